"""Regenerate the README's configuration table from the settings object (`make docs`)."""

from __future__ import annotations

import re

from assistant.settings import REPO_ROOT, settings_reference


def main() -> None:
    path = REPO_ROOT / "README.md"
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
