"""User-facing errors.

A ``CurioError`` carries a one-line message written for a practitioner, not a programmer.
The CLI prints it and exits 2; the app shows it in the page. Nothing else should reach a user.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class CurioError(Exception):
    """Bad input or a set-up problem the user can fix; the message says how."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())  # always one line

    def __str__(self) -> str:
        return self.message


def read_yaml(path: Path, what: str) -> Any:
    """A data file's YAML, or one CurioError line naming ``what`` it is and what is wrong, so
    every file in ``prompts/`` fails the same way on a missing file or a bad edit."""
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CurioError(f"{what} {path} is missing.") from exc
    except UnicodeDecodeError as exc:
        raise CurioError(f"{what} {path} is not UTF-8 text.") from exc
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise CurioError(f"{what} {path} is not valid YAML: {first}") from exc
