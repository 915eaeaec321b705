"""Sign-in for the app when it is served beyond this computer.

Users live in the file named by ``CURIO_AUTH_FILE``, one ``username:bcrypt-hash`` per line
(``#`` starts a comment). There is no default user or password: an empty or missing file stops
the app from starting. Add a user with ``python -m assistant.auth add USER`` (it prompts for
the password twice and writes only the hash).
"""

from __future__ import annotations

import getpass
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import bcrypt

from assistant.errors import CurioError

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD = 10
#: Checked against when the user is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"curio-no-such-user", bcrypt.gensalt(rounds=12))


def make_hash(password: str, rounds: int = 12) -> str:
    """A bcrypt hash of the password, for a line of the auth file."""
    check_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise CurioError(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if len(password.encode("utf-8")) > 72:  # bcrypt ignores anything after 72 bytes
        raise CurioError("Choose a password of at most 72 bytes.")


def check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise CurioError(
            "A username is 1-64 letters, digits, dots, dashes, underscores or @, with no spaces."
        )


def load_users(path: Path) -> dict[str, bytes]:
    """Read the auth file; a malformed line stops start-up with its line number (never its text)."""
    path = Path(path).expanduser()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CurioError(
            f"The auth file {path} does not exist: add a user with "
            "`python -m assistant.auth add USERNAME`."
        ) from exc
    except OSError as exc:
        from assistant.preflight import reason

        raise CurioError(f"The auth file {path} could not be read ({reason(exc)}).") from exc
    except UnicodeDecodeError as exc:
        raise CurioError(f"The auth file {path} could not be read (it is not UTF-8 text).") from exc
    users: dict[str, bytes] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hashed = line.partition(":")
        if not sep or not USERNAME.match(name) or not hashed.startswith(("$2b$", "$2a$", "$2y$")):
            raise CurioError(
                f"Line {number} of the auth file {path} is not `username:bcrypt-hash`."
            )
        users[name] = hashed.encode("ascii", "replace")
    return users


class Authenticator:
    """``launch(auth=...)`` callable; re-reads the file when it changes, so no restart is needed."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._users: dict[str, bytes] = {}

    def _current(self) -> dict[str, bytes]:
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime
            except OSError:
                return {}
            if mtime != self._mtime:
                try:
                    self._users = load_users(self.path)
                except CurioError:
                    self._users = {}  # a broken file lets nobody in
                self._mtime = mtime
            return self._users

    def check_ready(self) -> None:
        """Fail at start-up, with a clear message, if nobody could ever sign in."""
        if not load_users(self.path):
            raise CurioError(
                f"The auth file {self.path} has no users: add one with "
                "`python -m assistant.auth add USERNAME`."
            )

    def knows(self, username: str) -> bool:
        """Whether a name is a user (so the audit log may name it; see webguard.CurioGuard)."""
        return bool(username) and username in self._current()

    def __call__(self, username: str, password: str) -> bool:
        users = self._current()
        known = users.get(username or "")
        candidate = (password or "").encode("utf-8")[:72]
        try:
            ok = bcrypt.checkpw(candidate, known if known is not None else _DUMMY_HASH)
        except ValueError:  # a corrupt hash in the file
            ok = False
        return bool(ok and known is not None)


def add_user(path: Path | str, username: str, password: str) -> None:
    """Add or replace a user's line in the auth file (created with owner-only permissions)."""
    check_username(username)
    hashed = make_hash(password)
    path = Path(path).expanduser()
    lines: list[str] = []
    if path.exists():
        load_users(path)  # refuse to edit a file that is already broken
        lines = [
            ln
            for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip().partition(":")[0] != username
        ]
    lines.append(f"{username}:{hashed}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m assistant.auth add USER [--file PATH]``: prompt for a password, write a line."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m assistant.auth", description="Manage Curio's sign-in users."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add", help="add a user, or change their password")
    p.add_argument("username")
    p.add_argument("--file", help="the auth file (default: CURIO_AUTH_FILE)")
    args = parser.parse_args(argv)
    target = args.file or os.environ.get("CURIO_AUTH_FILE")
    try:
        if not target:
            raise CurioError("Set CURIO_AUTH_FILE or pass --file PATH.")
        check_username(args.username)
        from assistant.preflight import check_readable_file

        check_readable_file(Path(target), "The auth file (--file or CURIO_AUTH_FILE)")
        password = getpass.getpass(f"Password for {args.username}: ")
        check_password(password)
        if getpass.getpass("Same password again: ") != password:
            raise CurioError("The two passwords differ; nothing was written.")
        add_user(target, args.username, password)
    except CurioError as exc:
        print(f"curio: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:  # the folder for the file cannot be made, or the file written
        from assistant.preflight import reason

        print(
            f"curio: cannot write the auth file {target} ({reason(exc)}); nothing was written.",
            file=sys.stderr,
        )
        return 2
    except (KeyboardInterrupt, EOFError):
        print("\ncurio: stopped; nothing was written.", file=sys.stderr)
        return 130
    print(f"Added {args.username} to {target}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
