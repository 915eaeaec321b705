"""The size limits on what a person gives Curio, checked and worded in one place.

Text over ``CURIO_MAX_TEXT_CHARS`` is refused rather than truncated (a silently cut review would
read as complete); a file over ``CURIO_MAX_UPLOAD_MB`` is refused before it is read. The CLI, the
chat layer and the app all call these, so a limit reads the same wherever it is met.
"""

from __future__ import annotations

from assistant.errors import CurioError

#: One megabyte, as ``CURIO_MAX_UPLOAD_MB`` counts it (the app's server counts the same way).
MB = 1024 * 1024


def too_long(subject: str, chars: int, limit: int) -> str:
    """The one message for text over the limit; ``subject`` names it ("The draft", a file)."""
    return (
        f"{subject} is too long: {chars:,} characters, and Curio takes at most {limit:,} at a "
        "time; give it a section at a time."
    )


def check_text(text: str, limit: int, subject: str) -> None:
    """Refuse text over ``limit`` characters with the one message."""
    if len(text) > limit:
        raise CurioError(too_long(subject, len(text), limit))


def upload_bytes(max_upload_mb: float) -> int:
    """``CURIO_MAX_UPLOAD_MB`` in bytes."""
    return int(max_upload_mb * MB)


def too_big(subject: str, size: int, max_upload_mb: float) -> str:
    """The one message for a file over the upload limit."""
    return (
        f"{subject} is {size / MB:.1f} MB; the largest file Curio accepts is "
        f"{max_upload_mb:g} MB: give it a smaller section."
    )


def check_file_size(subject: str, size: int, max_upload_mb: float) -> None:
    """Refuse a file over ``max_upload_mb`` with the one message."""
    if size > upload_bytes(max_upload_mb):
        raise CurioError(too_big(subject, size, max_upload_mb))
