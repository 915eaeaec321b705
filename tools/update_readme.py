"""Regenerate the configuration tables (README and docs/configuration.md) from the settings
object (`make docs`); tests/test_docs.py fails when they drift."""

from __future__ import annotations

import re

from assistant.settings import REPO_ROOT, settings_reference


def main() -> None:
    for path in (REPO_ROOT / "README.md", REPO_ROOT / "docs" / "configuration.md"):
        text = path.read_text(encoding="utf-8")
        new = re.sub(
            r"(<!-- settings:start -->\n).*?(<!-- settings:end -->)",
            lambda m: m.group(1) + settings_reference() + "\n" + m.group(2),
            text,
            flags=re.S,
        )
        path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
