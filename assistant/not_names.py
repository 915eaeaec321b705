"""The one list of capitalised words that are not names (``prompts/not_names.yaml``).

The review's questions, the case file and `curio ask` each pick names out of text and must skip
the same sentence starters, headings and titles; one list keeps them from drifting apart. It is
loaded and checked at start-up with the other prompt data, so a bad edit fails in one line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import CurioError, read_yaml

FILE = "not_names.yaml"
#: Who reads the list: the names in the review's questions, the case file's people, and the
#: council and area names in a `curio ask` question.
READERS = ("review", "case_file", "ask")
#: One word as written: a capital first, then letters, or an abbreviation like "A&E".
_WORD = re.compile(r"[A-Z][A-Za-z]*(?:['’&][A-Za-z]+)*")


def load_not_names(reader: str, prompts_dir: Path | str | None = None) -> frozenset[str]:
    """The words ``reader`` skips, from ``<prompts_dir>/not_names.yaml`` (default: the
    settings' prompts folder); checked and cached per folder, a bad file is one CurioError."""
    if prompts_dir is None:
        from assistant.settings import get_settings

        prompts_dir = get_settings().prompts_dir
    return _load(str(Path(prompts_dir) / FILE))[reader]


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, frozenset[str]]:
    p = Path(path)
    data = read_yaml(p, "The not-a-name word list")
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not groups:
        raise CurioError(f"{p} must have `groups:`, a list of readers and their words.")
    out: dict[str, set[str]] = {r: set() for r in READERS}
    seen: set[str] = set()
    for n, group in enumerate(groups, 1):
        readers = group.get("readers") if isinstance(group, dict) else None
        rows = group.get("words") if isinstance(group, dict) else None
        if not isinstance(readers, list) or not readers or not set(readers) <= set(READERS):
            raise CurioError(
                f"{p}: group {n} needs `readers:`, some of {', '.join(READERS)} "
                f"(it has {readers!r})."
            )
        if not isinstance(rows, list) or not rows:
            raise CurioError(f"{p}: group {n} needs `words:`, a list of words (or rows of words).")
        words: list[Any] = []
        for row in rows:
            words.extend(row if isinstance(row, list) else [row])
        for word in words:
            if isinstance(word, bool):
                raise CurioError(f'{p}: group {n} has {word!r}: quote words like "Yes" and "No".')
            if not isinstance(word, str) or not _WORD.fullmatch(word):
                raise CurioError(f"{p}: group {n} has {word!r}, not one capitalised word.")
            if word in seen:
                raise CurioError(f"{p}: {word!r} is listed twice.")
            seen.add(word)
            for reader in readers:
                out[reader].add(word)
    return {r: frozenset(words) for r, words in out.items()}
