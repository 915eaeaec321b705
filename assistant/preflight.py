"""Checks on the paths and ports a user can type, before any work starts.

A folder under a file, a folder Curio may not write in, a port out of range: each is a set-up
mistake the user can fix, so each gets one line naming the setting, the path and what to do
(the CLI prints it and exits 2). Checking up front also means nothing is half done when the
mistake is found: no index half built, no review answered without its audit line.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from assistant.errors import CurioError
from assistant.settings import Settings

#: What the operating system's reasons mean, in words for a practitioner.
_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "the system does not allow it",
    errno.EROFS: "it is on a read-only disk",
    errno.ENOSPC: "the disk is full",
    errno.ENOTDIR: "part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOENT: "it does not exist",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ELOOP: "the path has a loop of links",
}


def reason(exc: OSError) -> str:
    """An OSError's cause in plain words (never a traceback, never an errno number)."""
    return _REASONS.get(exc.errno or -1) or (exc.strerror or type(exc).__name__).lower()


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor or "/")


def check_folder(
    path: Path, setting: str, *, create: bool = False, must_exist: bool = False
) -> None:
    """A folder Curio reads (``must_exist``) or keeps data in (``create``: made now if missing,
    so a place Curio may not write in is found before any work is done)."""
    p = Path(path).expanduser()
    if p.exists():
        if not p.is_dir():
            raise CurioError(
                f"{setting} is {p}, which is a file, not a folder: point it at a folder."
            )
        if not os.access(p, os.R_OK | os.X_OK):
            raise CurioError(f"{setting} is {p}, which Curio may not read (permission denied).")
        return
    if must_exist:
        raise CurioError(f"{setting} is {p}, which does not exist: point it at a folder that does.")
    _no_file_in_the_way(p, p, setting, "no folder can be made there")
    if create:
        _make_folder(p, p, setting, "that folder", "folder")


def _no_file_in_the_way(p: Path, folder: Path, setting: str, consequence: str) -> None:
    """``folder`` (for the setting's path ``p``) can be a folder: nothing on the way is a file."""
    found = _first_existing(folder)
    if not found.is_dir():
        raise CurioError(
            f"{setting} is {p}, but {found} is a file, so {consequence}: choose another place."
        )


def _make_folder(p: Path, folder: Path, setting: str, what: str, place: str) -> None:
    """Make ``folder`` (for the setting's path ``p``), or say in one line why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CurioError(
            f"{setting} is {p}, but Curio cannot make {what} ({reason(exc)}): choose a "
            f"{place} you can write to."
        ) from exc


def check_writable_folder(path: Path, setting: str) -> None:
    """A folder Curio must write in: made if missing, then proved by writing a scratch file."""
    check_folder(path, setting, create=True)
    p = Path(path).expanduser()
    probe = p / f".curio-write-test-{os.getpid()}"
    try:
        with probe.open("w", encoding="utf-8"):
            pass
    except OSError as exc:
        raise CurioError(
            f"{setting} is {p}, but Curio cannot write there ({reason(exc)}): choose a folder "
            "you can write to."
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def check_log_file(path: Path, setting: str) -> None:
    """A file Curio appends to (the audit log): its folder must take it, and it must be a file."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise CurioError(
            f"{setting} is {p}, which is a folder: name a file, e.g. {p / 'audit.jsonl'}."
        )
    _no_file_in_the_way(p, p.parent, setting, "the log cannot be kept there")
    _make_folder(p, p.parent, setting, "its folder", "place")
    # an existing log is opened for appending (nothing is written); a new one's folder is
    # proved by a scratch file, so a refused command leaves no empty log behind
    target = p if p.exists() else p.parent / f".curio-write-test-{os.getpid()}"
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.close(fd)
        if target != p:
            target.unlink()
    except OSError as exc:
        raise CurioError(
            f"{setting} is {p}, but Curio cannot write to it ({reason(exc)}): choose a file "
            "you can write to."
        ) from exc


def check_readable_file(path: Path, setting: str) -> None:
    """A file Curio only reads (the auth file)."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise CurioError(f"{setting} is {p}, which is a folder, not a file.")
    found = _first_existing(p)
    if found != p and not found.is_dir():
        raise CurioError(f"{setting} is {p}, but {found} is a file, not a folder.")
    if not p.exists():
        return  # the caller's own message says how to create it
    if not os.access(p, os.R_OK):
        raise CurioError(f"{setting} is {p}, which Curio may not read (permission denied).")


def check_port(port: int | None, where: str = "--port") -> None:
    if port is None or not 1 <= int(port) <= 65535:
        raise CurioError(f"{where} must be a whole number from 1 to 65535 (got {port}).")


def check_settings(
    settings: Settings,
    *,
    index: bool = False,
    audit: bool = False,
    corpus: bool = False,
    prompts: bool = False,
    evals: bool = False,
    auth: bool = False,
) -> None:
    """Check the paths one command will use: first those Curio only reads, then the places it
    writes (made if missing), so a refused command has created nothing but empty folders."""
    if auth and settings.auth_file is not None:
        check_readable_file(settings.auth_file, "CURIO_AUTH_FILE")
    if prompts:
        check_folder(settings.prompts_dir, "CURIO_PROMPTS_DIR", must_exist=True)
    if evals:
        check_folder(settings.evals_dir, "CURIO_EVALS_DIR", must_exist=True)
    if corpus and not settings.chroma_url and not (settings.index_dir / "chroma").exists():
        check_folder(settings.corpus, "CURIO_CORPUS", must_exist=True)
    home_named = settings.index is None or settings.audit_log is None
    if home_named and (index or audit):
        check_folder(settings.home, "CURIO_HOME", create=True)
    if index and not settings.chroma_url:
        where = "CURIO_HOME" if settings.index is None else "CURIO_INDEX (or --index)"
        target = settings.index_dir
        if target.exists():
            check_folder(target, where)
        else:
            check_writable_folder(target, where)
    if audit:
        where = "CURIO_HOME" if settings.audit_log is None else "CURIO_AUDIT_LOG"
        check_log_file(settings.audit_path, where)
