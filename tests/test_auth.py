"""Sign-in: a bcrypt users file, no default password, and the app refusing to start without it."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

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
