"""Guards in front of the Gradio server: no fetches for anyone, and sign-in that resists guessing.

Gradio's file routes (``/gradio_api/file=<path or URL>``, ``/file/``, ``proxy=``) fetch an
http(s) URL on the caller's behalf when it names a public host, and a component's input can
name a URL as its file for the server to download. Either would let anyone who can reach the
page make this computer connect anywhere, which breaks the promise that nothing leaves it.
``CurioGuard`` answers such requests itself with a 4xx before Gradio sees them, and serves on
the file routes only files Curio produced: live checklist exports, and uploads in Gradio's
upload folder. ``refuse_gradio_downloads`` also replaces Gradio's own download helpers, so a
route this guard does not know about still cannot fetch.

``Lockout`` counts wrong passwords on the sign-in route, per user name and per client
address, and refuses further attempts for a while once either limit is reached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: A route that hands back a file or a fetched URL: ``file=``, ``file/`` or ``proxy=``, with or
#: without Gradio's ``/gradio_api`` prefix (matched on the fully decoded, lower-cased path).
_FILE_ROUTE = re.compile(r"^/+(?:gradio_api/+)?(?:file=|file/|proxy=)", re.I)
_URL_LIKE = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//", re.I)
#: POST routes whose JSON body carries a component's input (a file input can name a URL).
_PREDICT_ROUTE = re.compile(r"^/gradio_api/(?:queue/join|call/|run/|api/)")
MAX_JSON_BODY = 64 * 1024 * 1024
MAX_LOGIN_BODY = 64 * 1024


def _decoded(path: str, rounds: int = 4) -> str:
    """The path percent-decoded until it stops changing (double encoding is undone too)."""
    for _ in range(rounds):
        once = unquote(path)
        if once == path:
            break
        path = once
    return path


def file_route_target(path: str) -> str | None:
    """The file or URL a request asks a file route for, or None when it is another route."""
    decoded = _decoded(path)
    match = _FILE_ROUTE.match(decoded)
    return decoded[match.end() :] if match else None


def is_url(value: str) -> bool:
    """Anything with a scheme and a host (``http://``, ``HTTPS://``, ``//host``, ``ftp://``)."""
    return bool(_URL_LIKE.match(_decoded(value)))


def names_a_url(data: Any) -> bool:
    """Whether a request body names a URL as a file's path (Gradio downloads those)."""
    if isinstance(data, dict):
        path = data.get("path")
        if isinstance(path, str) and is_url(path):
            return True
        return any(names_a_url(v) for v in data.values())
    if isinstance(data, list):
        return any(names_a_url(v) for v in data)
    return False


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


@dataclass
class FilePolicy:
    """Which local files the file routes may serve: Curio's live exports and uploads.

    ``exports`` gives the live export folders (each session's latest checklist); ``uploads``
    is Gradio's upload folder. Export folders live inside that folder too, so one no longer
    live (replaced by a newer export, or removed) is refused even though it sits there.
    """

    exports: Callable[[], Iterable[str | Path]]
    uploads: str | Path | None = None
    export_prefix: str = "curio-export-"

    def allows(self, target: str) -> bool:
        if not target or is_url(target) or "\0" in target:
            return False
        try:
            path = Path(target).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return False
        if not path.is_file():
            return False
        live = [Path(p).resolve() for p in self.exports()]
        if _inside(path, live):
            return True
        if self.uploads is None:
            return False
        root = Path(self.uploads).resolve()
        if not _inside(path, [root]):
            return False
        return not any(part.startswith(self.export_prefix) for part in path.relative_to(root).parts)


# --------------------------------------------------------------------------- sign-in lockout


@dataclass(frozen=True)
class LockoutPolicy:
    """The limits of issue 17: 5 wrong passwords per name, 20 per address, in 15 minutes."""

    per_user: int = 5
    per_address: int = 20
    window_s: float = 15 * 60
    lock_s: float = 15 * 60


class Lockout:
    """Counts wrong passwords per user name and per client address, and locks either out.

    An attempt is counted from the moment it starts, so twenty guesses sent at once cannot all
    slip past a limit of five while bcrypt is still checking the first. ``clock`` returns
    seconds (``time.monotonic``); tests pass their own to step past the lock.
    """

    def __init__(
        self,
        policy: LockoutPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self.policy = policy or LockoutPolicy()
        self.clock = clock
        self.max_keys = max_keys
        self._fails: dict[str, deque[float]] = {}
        self._pending: dict[str, int] = {}
        self._locked: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"user:{username}", f"addr:{address}"

    def _limit(self, key: str) -> int:
        return self.policy.per_user if key.startswith("user:") else self.policy.per_address

    def _prune(self, key: str, now: float) -> int:
        fails = self._fails.get(key)
        while fails and fails[0] <= now - self.policy.window_s:
            fails.popleft()
        if fails is not None and not fails:
            del self._fails[key]
        until = self._locked.get(key)
        if until is not None and until <= now:
            del self._locked[key]
            self._fails.pop(key, None)  # a served lock starts the count again
        return len(self._fails.get(key, ()))

    def _minutes_left(self, key: str, now: float) -> int:
        return max(1, int(-(-(self._locked[key] - now) // 60)))

    def begin(self, username: str, address: str) -> str | None:
        """Start an attempt; the refusal message when this name or address is locked out."""
        now = self.clock()
        with self._lock:
            for key in self._keys(username, address):
                count = self._prune(key, now) + self._pending.get(key, 0)
                if key not in self._locked and count >= self._limit(key):
                    self._locked[key] = now + self.policy.lock_s
                if key in self._locked:
                    minutes = self._minutes_left(key, now)
                    who = "this user name" if key.startswith("user:") else "this computer"
                    return (
                        f"Too many wrong passwords for {who}: signing in is paused for "
                        f"{minutes} minute{'s' if minutes != 1 else ''}. Try again later, or ask "
                        "whoever manages Curio's users to check the account."
                    )
            for key in self._keys(username, address):
                self._pending[key] = self._pending.get(key, 0) + 1
            return None

    def _release(self, username: str, address: str) -> None:
        for key in self._keys(username, address):
            left = self._pending.get(key, 0) - 1
            if left > 0:
                self._pending[key] = left
            else:
                self._pending.pop(key, None)

    def cancel(self, username: str, address: str) -> None:
        """An attempt that ended without a verdict on the password (an error): not counted."""
        with self._lock:
            self._release(username, address)

    def end(self, username: str, address: str, ok: bool) -> list[str]:
        """Finish an attempt; returns the keys this failure locked out (for the audit log)."""
        now = self.clock()
        locked: list[str] = []
        with self._lock:
            self._release(username, address)
            user_key, addr_key = self._keys(username, address)
            if ok:
                self._fails.pop(user_key, None)  # the address keeps its count
                return locked
            for key in (user_key, addr_key):
                self._prune(key, now)
                self._fails.setdefault(key, deque()).append(now)
                if key not in self._locked and len(self._fails[key]) >= self._limit(key):
                    self._locked[key] = now + self.policy.lock_s
                    locked.append(key.split(":", 1)[0])
            if len(self._fails) > self.max_keys:  # a spray of names must not grow memory
                for key in sorted(self._fails, key=lambda k: self._fails[k][-1])[
                    : len(self._fails) - self.max_keys
                ]:
                    del self._fails[key]
        return locked


# --------------------------------------------------------------------------- the ASGI guard


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it is larger than ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        body = message.get("body", b"")
        size += len(body)
        if size > limit:
            return None
        chunks.append(body)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _answer(
    send: Send, status: int, detail: str, headers: Iterable[tuple[str, str]] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *[(k.encode(), v.encode()) for k, v in headers],
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _login_fields(body: bytes, content_type: str) -> tuple[str, bool]:
    """(user name, whether the form could be read) from a urlencoded or multipart login form."""
    if "multipart/form-data" in content_type:
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "username":
                payload: Any = part.get_payload(decode=True) or b""
                return payload.decode("utf-8", "replace").strip(), True
        return "", True
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return (fields.get("username") or [""])[0].strip(), True


class CurioGuard:
    """Pure ASGI middleware: the file-route and URL-input gate, and the sign-in lockout.

    ``audit`` (an ``AuditLog``) receives sign-in events: user name (or, for a name that is not
    a user, a hash of it, since people type passwords into the wrong box) and client address;
    never a password. ``known_user`` says which names are users.
    """

    def __init__(
        self,
        app: ASGIApp,
        files: FilePolicy,
        lockout: Lockout | None = None,
        audit: Any = None,
        known_user: Callable[[str], bool] = lambda _name: False,
    ) -> None:
        self.app = app
        self.files = files
        self.lockout = lockout
        self.audit = audit
        self.known_user = known_user

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        target = file_route_target(path)
        if target is not None:
            if is_url(target) or not self.files.allows(target):
                await _answer(send, 403, "Curio serves only the files it made for you.")
                return
        elif method == "POST" and self.lockout is not None and path.rstrip("/") == "/login":
            await self._login(scope, receive, send)
            return
        elif method == "POST" and _PREDICT_ROUTE.match(path):
            body = await _read_body(receive, MAX_JSON_BODY)
            if body is None:
                await _answer(send, 413, "That request is too large.")
                return
            if _names_url_in_json(body):
                await _answer(
                    send, 400, "Curio does not fetch files from addresses on the internet."
                )
                return
            receive = _replay(body)
        await self.app(scope, receive, send)

    # -- sign-in
    def _record(self, event: str, username: str, address: str, **extra: Any) -> None:
        if self.audit is None:
            return
        known = bool(username) and self.known_user(username)
        who = username if known else "sha256:" + hashlib.sha256(username.encode()).hexdigest()[:12]
        with contextlib.suppress(Exception):  # a full disk must not open or shut the door
            self.audit.write(
                {"event": event, "user": who, "known_user": known, "client": address} | extra
            )

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.lockout is not None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read_body(receive, MAX_LOGIN_BODY)
        if body is None:
            await _answer(send, 413, "That sign-in request is too large.")
            return
        username, _ = _login_fields(body, headers.get("content-type", ""))
        client = scope.get("client") or ("unknown", 0)
        address = str(client[0])
        refusal = self.lockout.begin(username, address)
        if refusal is not None:
            self._record("sign-in-refused", username, address, reason="locked out")
            await _answer(
                send, 429, refusal, [("retry-after", str(int(self.lockout.policy.lock_s)))]
            )
            return
        settled = False

        def settle(status: int | None) -> None:
            """Count the attempt once Gradio has given its verdict (before the client sees it,
            so the audit line is written by the time the answer arrives)."""
            nonlocal settled
            if settled:
                return
            settled = True
            assert self.lockout is not None
            if status == 200 or status in (400, 401, 403):
                ok = status == 200
                locked = self.lockout.end(username, address, ok)
                self._record("sign-in" if ok else "sign-in-failed", username, address)
                for what in locked:
                    minutes = int(self.lockout.policy.lock_s // 60)
                    self._record("sign-in-locked", username, address, locked=what, minutes=minutes)
            else:  # an error that was not a verdict on the password counts for nothing
                self.lockout.cancel(username, address)

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                settle(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, _replay(body), watch)
        finally:
            settle(None)


def _names_url_in_json(body: bytes) -> bool:
    if b"path" not in body:
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False  # not JSON: Gradio answers it
    return names_a_url(data)


# --------------------------------------------------------------------------- Gradio's fetchers


#: Gradio's own helpers as they were before ``refuse_gradio_downloads`` (for tests that show
#: what Gradio does without the guard).
ORIGINALS: dict[tuple[str, str], Any] = {}


class FetchRefused(PermissionError):
    """Raised by Gradio's download helpers once ``refuse_gradio_downloads`` has run."""


def refuse_gradio_downloads() -> list[str]:
    """Replace Gradio's URL download helpers with ones that refuse; returns what was replaced.

    The guard above already answers every route that reaches them; this is the second lock,
    for a route or component a future Gradio adds.
    """
    import gradio.processing_utils as pu
    import gradio.route_utils as ru
    import gradio.routes as routes

    def refuse_sync(*_args: Any, **_kwargs: Any) -> Any:
        raise FetchRefused("Curio does not fetch URLs on anyone's behalf.")

    async def refuse_async(*_args: Any, **_kwargs: Any) -> Any:
        raise FetchRefused("Curio does not fetch URLs on anyone's behalf.")

    replaced: list[str] = []
    for module, name, fn in (
        (pu, "async_ssrf_protected_download", refuse_async),
        (pu, "async_ssrf_protected_get", refuse_async),
        (pu, "ssrf_protected_download", refuse_sync),
        (pu, "save_url_to_cache", refuse_sync),
        (pu, "unsafe_download", refuse_sync),
        (ru, "secure_url_stream_response", refuse_async),
        (routes, "secure_url_stream_response", refuse_async),
    ):
        if hasattr(module, name):
            current = getattr(module, name)
            if current not in (refuse_sync, refuse_async) and not getattr(current, "_curio", 0):
                ORIGINALS.setdefault((module.__name__, name), current)
            fn._curio = True  # type: ignore[union-attr]
            setattr(module, name, fn)
            replaced.append(f"{module.__name__}.{name}")
    return replaced
