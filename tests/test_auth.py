"""Sign-in: a bcrypt users file, no default password, and the app refusing to start without it."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant import auth
from assistant.errors import CurioError
from assistant.settings import Settings

PASSWORD = "correct horse battery"


def test_hash_and_check_round_trip(tmp_path: Path) -> None:
    users = tmp_path / "users"
    auth.add_user(users, "sam.worker", PASSWORD)
    line = users.read_text(encoding="utf-8").strip()
    assert line.startswith("sam.worker:$2b$")
    assert PASSWORD not in line
    check = auth.Authenticator(users)
    assert check("sam.worker", PASSWORD)
    assert not check("sam.worker", PASSWORD + "x")
    assert not check("nobody", PASSWORD)
    assert not check("", "")


def test_file_is_owner_only(tmp_path: Path) -> None:
    users = tmp_path / "users"
    auth.add_user(users, "sam", PASSWORD)
    assert stat.S_IMODE(os.stat(users).st_mode) == 0o600


def test_adding_again_replaces_the_password(tmp_path: Path) -> None:
    users = tmp_path / "users"
    auth.add_user(users, "sam", PASSWORD)
    auth.add_user(users, "alex", PASSWORD)
    auth.add_user(users, "sam", "a different password")
    assert len(users.read_text(encoding="utf-8").splitlines()) == 2
    check = auth.Authenticator(users)
    assert check("sam", "a different password") and not check("sam", PASSWORD)
    assert check("alex", PASSWORD)


def test_new_users_count_without_a_restart(tmp_path: Path) -> None:
    users = tmp_path / "users"
    auth.add_user(users, "sam", PASSWORD)
    check = auth.Authenticator(users)
    assert not check("alex", PASSWORD)
    auth.add_user(users, "alex", PASSWORD)
    os.utime(users, (1, 10**9 + 7))  # make sure the change is seen even on coarse clocks
    assert check("alex", PASSWORD)


@pytest.mark.parametrize("password", ["", "short", "x" * 73])
def test_weak_or_overlong_passwords_are_refused(tmp_path: Path, password: str) -> None:
    with pytest.raises(CurioError):
        auth.add_user(tmp_path / "users", "sam", password)
    assert not (tmp_path / "users").exists()


@pytest.mark.parametrize("name", ["", "has space", "col:on", "x" * 65])
def test_bad_usernames_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(CurioError):
        auth.add_user(tmp_path / "users", name, PASSWORD)


def test_malformed_file_names_the_line_not_its_text(tmp_path: Path) -> None:
    users = tmp_path / "users"
    users.write_text("# team\nsam:plaintextpassword\n", encoding="utf-8")
    with pytest.raises(CurioError) as exc:
        auth.load_users(users)
    assert "Line 2" in exc.value.message and "plaintextpassword" not in exc.value.message
    assert not auth.Authenticator(users)("sam", "plaintextpassword")


def test_missing_or_empty_file_lets_nobody_in(tmp_path: Path) -> None:
    missing = auth.Authenticator(tmp_path / "nope")
    assert not missing("sam", PASSWORD)
    with pytest.raises(CurioError, match="does not exist"):
        missing.check_ready()
    empty = tmp_path / "empty"
    empty.write_text("\n# nobody\n", encoding="utf-8")
    with pytest.raises(CurioError, match="no users"):
        auth.Authenticator(empty).check_ready()


def test_cli_add_prompts_twice_and_writes_a_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    users = tmp_path / "users"
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setenv("CURIO_AUTH_FILE", str(users))
    assert auth.main(["add", "sam"]) == 0
    assert auth.Authenticator(users)("sam", PASSWORD)
    assert "Added sam" in capsys.readouterr().out


def test_cli_add_refuses_mismatched_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    users = tmp_path / "users"
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": next(answers))
    assert auth.main(["add", "sam", "--file", str(users)]) == 2
    assert "differ" in capsys.readouterr().err
    assert not users.exists()


def test_cli_add_needs_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURIO_AUTH_FILE", raising=False)
    assert auth.main(["add", "sam"]) == 2


def test_served_app_asks_for_sign_in(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """A real server with auth: the API refuses without a login and accepts the right one."""
    import socket
    import urllib.error
    import urllib.request

    import gradio as gr

    from assistant.app import launch

    users = tmp_path / "users"
    auth.add_user(users, "sam", PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = make_settings(port=port, auth_file=users)
    with gr.Blocks(analytics_enabled=False) as demo:
        gr.Textbox("hello")
    launch(demo, settings, auth=auth.Authenticator(users), prevent_thread_lock=True, quiet=True)
    try:
        base = f"http://127.0.0.1:{port}"
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"{base}/config", timeout=10)
        assert exc.value.code in (401, 403)

        def login(password: str) -> int:
            data = f"username=sam&password={password.replace(' ', '+')}".encode()
            req = urllib.request.Request(f"{base}/login", data=data, method="POST")
            try:
                return urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as err:
                return err.code

        assert login("wrong password") in (400, 401)
        assert login(PASSWORD) == 200
    finally:
        demo.close()


# --------------------------------------------------------------------------- lockout (issue 17)


class Clock:
    """A clock the test moves by hand, so a 15-minute lock takes no time to serve."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def signin(make_settings: Callable[..., Settings], tmp_path: Path) -> Any:
    """A real server with sign-in, a hand-moved clock and its own audit log."""
    import socket

    import gradio as gr

    from assistant.app import launch
    from assistant.webguard import Lockout

    users = tmp_path / "users"
    auth.add_user(users, "sam", PASSWORD)
    auth.add_user(users, "alex", PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = make_settings(port=port, auth_file=users, audit_log=tmp_path / "audit.jsonl")
    clock = Clock()
    with gr.Blocks(analytics_enabled=False) as demo:
        gr.Textbox("hello")
    launch(
        demo,
        settings,
        auth=auth.Authenticator(users),
        lockout=Lockout(clock=clock),
        prevent_thread_lock=True,
        quiet=True,
    )
    try:
        yield SimpleNamespace(
            base=f"http://127.0.0.1:{port}", clock=clock, audit=settings.audit_path
        )
    finally:
        demo.close()


def login(base: str, username: str, password: str, multipart: bool = False) -> tuple[int, str]:
    """POST the login form as the browser does (multipart) or as a script might (urlencoded)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    if multipart:
        boundary = "curio-test-boundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in (("username", username), ("password", password))
        ]
        data = ("".join(parts) + f"--{boundary}--\r\n").encode()
        kind = f"multipart/form-data; boundary={boundary}"
    else:
        data = urllib.parse.urlencode({"username": username, "password": password}).encode()
        kind = "application/x-www-form-urlencoded"
    req = urllib.request.Request(
        f"{base}/login", data=data, method="POST", headers={"Content-Type": kind}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def audit_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_five_wrong_passwords_lock_the_name_for_15_minutes(signin: Any) -> None:
    for n in range(5):
        status, _ = login(signin.base, "sam", f"wrong password {n}", multipart=n % 2 == 0)
        assert status == 400, n
    status, body = login(signin.base, "sam", PASSWORD)  # even the right password is refused
    assert status == 429
    assert "Too many wrong passwords for this user name" in body and "15 minutes" in body
    assert login(signin.base, "alex", PASSWORD)[0] == 200  # another name is not locked
    signin.clock.now += 14 * 60
    status, body = login(signin.base, "sam", PASSWORD)
    assert status == 429 and "1 minute" in body
    signin.clock.now += 60 + 1  # the lock has been served
    assert login(signin.base, "sam", PASSWORD)[0] == 200
    assert login(signin.base, "sam", "wrong again")[0] == 400  # counting starts afresh
    assert login(signin.base, "sam", PASSWORD)[0] == 200

    events = audit_events(signin.audit)
    kinds = [e["event"] for e in events]
    assert kinds.count("sign-in-failed") == 6 and kinds.count("sign-in") == 3, events
    locked = [e for e in events if e["event"] == "sign-in-locked"]
    assert len(locked) == 1 and locked[0]["user"] == "sam" and locked[0]["locked"] == "user"
    refused = [e for e in events if e["event"] == "sign-in-refused"]
    assert len(refused) == 2 and all(e["client"] == "127.0.0.1" for e in refused)
    raw = signin.audit.read_text(encoding="utf-8")
    assert "wrong password" not in raw and PASSWORD not in raw, "a password reached the log"


def test_twenty_wrong_passwords_from_one_address_lock_it(signin: Any) -> None:
    for n in range(20):  # a different made-up name each time: only the address limit applies
        assert login(signin.base, f"guess{n}", "not the password")[0] == 400, n
    status, body = login(signin.base, "alex", PASSWORD)
    assert status == 429 and "for this computer" in body
    events = audit_events(signin.audit)
    locked = [e for e in events if e["event"] == "sign-in-locked"]
    assert [e["locked"] for e in locked] == ["addr"]
    failed = [e for e in events if e["event"] == "sign-in-failed"]
    assert all(not e["known_user"] and e["user"].startswith("sha256:") for e in failed)
    assert "guess7" not in signin.audit.read_text(encoding="utf-8"), "unknown names are hashed"
    signin.clock.now += 15 * 60 + 1
    assert login(signin.base, "alex", PASSWORD)[0] == 200


def test_guesses_sent_at_once_cannot_pass_the_limit(signin: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda n: login(signin.base, "sam", f"wrong {n}")[0], range(12)))
    assert codes.count(400) == 5 and codes.count(429) == 7, codes


def test_lockout_window_slides() -> None:
    from assistant.webguard import Lockout, LockoutPolicy

    clock = Clock()
    lock = Lockout(LockoutPolicy(per_user=5, per_address=20), clock=clock)
    for _ in range(4):
        assert lock.begin("sam", "10.0.0.1") is None
        assert lock.end("sam", "10.0.0.1", ok=False) == []
    clock.now += 15 * 60 + 1  # those four have aged out of the window
    for _ in range(4):
        assert lock.begin("sam", "10.0.0.1") is None
        lock.end("sam", "10.0.0.1", ok=False)
    assert lock.begin("sam", "10.0.0.1") is None  # the fifth in this window
    assert lock.end("sam", "10.0.0.1", ok=False) == ["user"]
    assert "paused for 15 minutes" in (lock.begin("sam", "10.0.0.2") or "")
    lock.begin("alex", "10.0.0.1")
    lock.cancel("alex", "10.0.0.1")  # an error, not a verdict: not counted
    assert lock.begin("alex", "10.0.0.1") is None
