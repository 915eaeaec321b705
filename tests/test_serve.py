"""`curio serve` refuses clearly, before loading anything, when it cannot start."""

from __future__ import annotations

import socket

import pytest

from assistant.app import check_port_free
from assistant.cli import main
from assistant.errors import CurioError


@pytest.fixture
def busy_port() -> int:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def test_a_port_in_use_is_a_one_line_message(busy_port: int) -> None:
    with pytest.raises(CurioError, match=f"Port {busy_port} .* already in use"):
        check_port_free("127.0.0.1", busy_port)


def test_serve_on_a_busy_port_exits_2(busy_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(busy_port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already in use" in err and "Traceback" not in err


def test_a_free_port_passes() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    check_port_free("127.0.0.1", port)
