"""User-facing errors.

A ``CurioError`` carries a one-line message written for a practitioner, not a programmer.
The CLI prints it and exits 2; the app shows it in the page. Nothing else should reach a user.
"""

from __future__ import annotations


class CurioError(Exception):
    """Bad input or a set-up problem the user can fix; the message says how."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())  # always one line

    def __str__(self) -> str:
        return self.message
