"""No request from the server that a user did not configure (issue 17).

Gradio's file routes fetch an http(s) URL on the caller's behalf when it names a public host,
and a file input can name a URL for the server to download. Curio's guard answers both with a
4xx at once. Here every route form (``/file=``, ``/gradio_api/file=``, ``file/``, ``proxy=``,
plain and percent-encoded once or twice) asks the running app for a documentation-range
address, a public address and a public name, while every outbound HTTP client the app could use
(httpx, safehttpx, requests, urllib, aiohttp) is replaced by a recorder that never connects,
and sockets refuse anything beyond loopback (tests/test_offline.py's guard). Any recorded call
fails the test. The same probe against plain Gradio, without the guard, records calls: so the
recorders would catch a fetch if the guard let one through.

``test_serve_in_a_network_namespace_under_strace`` runs the real ``curio serve`` inside
``unshare -n`` (loopback only) under ``strace -f -e trace=connect`` while the same forms are
asked for, and fails on any connect() to an address that is not loopback.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from netns_serve import in_namespace, non_loopback_connects
from test_app import Server, free_port, unwrap
from test_offline import NetworkGuard, no_network  # noqa: F401 - a fixture used below

from assistant.webguard import ORIGINALS, FilePolicy, file_route_target

pytestmark = [pytest.mark.integration]

TARGETS = [
    "http://203.0.113.5/x",  # documentation range (Gradio already refuses it: not public)
    "https://203.0.113.5/x",
    "http://1.1.1.1/x",  # a public address: plain Gradio fetches this
    "http://curio-probe.example.com/x",  # a public name: plain Gradio resolves it
    "HTTP://1.1.1.1/x",
    "//1.1.1.1/x",
]


def route_forms(targets: list[str] = TARGETS) -> list[str]:
    """Every spelling of every file route asking for every target."""
    paths = []
    for prefix in ("", "/gradio_api"):
        for route in ("file=", "file/", "proxy="):
            for url in targets:
                paths.append(f"{prefix}/{route}{url}")
                paths.append(f"{prefix}/{route}{quote(url, safe='')}")
                paths.append(f"{prefix}/{route}{quote(quote(url, safe=''), safe='')}")
                paths.append(f"{prefix}/{quote(route, safe='')}{url}")
    return paths


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, float]:
    """One raw HTTP request on loopback (http.client sends the path exactly as written)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    began = time.monotonic()
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        if body is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - began
    finally:
        conn.close()


FILE_INPUT = json.dumps(
    {"data": [{"path": "http://1.1.1.1/x", "meta": {"_type": "gradio.FileData"}}]}
).encode()
PREDICT_ROUTES = ["/gradio_api/call/upload", "/gradio_api/run/upload", "/gradio_api/queue/join"]


class Recorder:
    """Stands in for every outbound HTTP client: records the call, never connects."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def record(self, what: str, target: Any) -> None:
        self.calls.append(f"{what}: {target}")
        raise ConnectionRefusedError(f"recorded and refused by test_no_fetch: {what} {target}")


@pytest.fixture
def recorders(monkeypatch: pytest.MonkeyPatch, no_network: NetworkGuard) -> Iterator[Recorder]:  # noqa: F811
    import urllib.request

    import httpx
    import requests
    import safehttpx

    rec = Recorder()

    def sync(what: str) -> Any:
        def fn(*args: Any, **kwargs: Any) -> Any:
            rec.record(what, args[1] if len(args) > 1 else kwargs)

        return fn

    def asynchronous(what: str) -> Any:
        async def fn(*args: Any, **kwargs: Any) -> Any:
            rec.record(what, args[1] if len(args) > 1 else (args or kwargs))

        return fn

    monkeypatch.setattr(httpx.Client, "send", sync("httpx.Client.send"))
    monkeypatch.setattr(httpx.AsyncClient, "send", asynchronous("httpx.AsyncClient.send"))
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", sync("httpx transport"))
    monkeypatch.setattr(
        httpx.AsyncHTTPTransport, "handle_async_request", asynchronous("httpx async transport")
    )
    for name in ("AsyncSecureTransport",):
        cls = getattr(safehttpx, name, None)
        if cls is not None and "handle_async_request" in vars(cls):
            monkeypatch.setattr(cls, "handle_async_request", asynchronous(f"safehttpx.{name}"))
    monkeypatch.setattr(safehttpx, "async_validate_url", asynchronous("safehttpx.validate_url"))
    monkeypatch.setattr(safehttpx, "get", asynchronous("safehttpx.get"))
    monkeypatch.setattr(requests.Session, "send", sync("requests"))
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", sync("urllib"))
    try:
        import aiohttp

        monkeypatch.setattr(aiohttp.ClientSession, "_request", asynchronous("aiohttp"))
    except ImportError:
        pass
    yield rec


def probe(port: int) -> list[tuple[str, str, int, float]]:
    """Every route form (GET and HEAD) and every file-input route; (method, path, status, s)."""
    results = []
    for path in route_forms():
        for method in ("GET", "HEAD"):
            status, took = request(port, method, path)
            results.append((method, path, status, took))
    for path in PREDICT_ROUTES:
        status, took = request(port, "POST", path, FILE_INPUT)
        results.append(("POST", path, status, took))
    return results


def test_every_route_form_is_refused_at_once_and_nothing_is_fetched(
    server: Server,
    recorders: Recorder,
    no_network: NetworkGuard,  # noqa: F811
) -> None:
    port = server.settings.port
    results = probe(port)
    assert len(results) == len(route_forms()) * 2 + len(PREDICT_ROUTES) > 250
    wrong = [(m, p, s) for m, p, s, _ in results if not 400 <= s < 500]
    assert wrong == [], f"answered without a 4xx: {wrong[:5]}"
    slow = [(m, p, round(t, 2)) for m, p, _, t in results if t > 1.0]
    assert slow == [], f"not refused at once: {slow[:5]}"
    assert recorders.calls == [], f"outbound calls were made: {recorders.calls[:5]}"
    assert no_network.attempts == [], no_network.attempts[:5]


def test_the_recorders_catch_plain_gradio_fetching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Without Curio's guard, Gradio tries to fetch: a test that could not see it proves nothing."""
    import importlib

    import gradio as gr

    for (module, name), original in ORIGINALS.items():  # undo refuse_gradio_downloads
        monkeypatch.setattr(importlib.import_module(module), name, original)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    with gr.Blocks(analytics_enabled=False) as demo:
        gr.Textbox("plain Gradio")
    port = free_port()
    demo.launch(server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    try:
        recorders: Recorder = request.getfixturevalue("recorders")  # after launch's own checks
        guard: NetworkGuard = request.getfixturevalue("no_network")
        status, _ = request_path(port, "/gradio_api/file=http://1.1.1.1/x")
        assert 400 <= status < 600
        request_path(port, "/gradio_api/file=http://curio-probe.example.com/x")
    finally:
        demo.close()
    assert recorders.calls or guard.attempts, "plain Gradio fetched nothing: recorders blind"
    print("\nplain Gradio tried:", (recorders.calls + guard.attempts)[:4])


def request_path(port: int, path: str) -> tuple[int, float]:
    return request(port, "GET", path)


def test_the_guard_still_serves_a_live_export_and_nothing_else(
    server: Server, tmp_path: Path
) -> None:
    from gradio_client import Client

    from assistant.app import EXAMPLE_DRAFT

    client = Client(server.url, verbose=False, download_files=str(tmp_path / "dl"))

    client.predict(EXAMPLE_DRAFT, [], api_name="/review")
    first, _ = client.predict(api_name="/export_md")
    first_path = Path(unwrap(first))
    assert first_path.read_text(encoding="utf-8").startswith("# Curiosity checklist")
    served = [p for p in server.cache_dir.rglob("curio-checklist-*.md")]
    assert len(served) == 1
    port = server.settings.port
    assert request(port, "GET", f"/gradio_api/file={served[0]}")[0] == 200
    # a file that is not a live export, even inside Gradio's cache, is refused
    stale = server.cache_dir / "curio-export-old" / "curio-checklist-old.md"
    stale.parent.mkdir(exist_ok=True)
    stale.write_text("an old checklist", encoding="utf-8")
    assert request(port, "GET", f"/gradio_api/file={stale}")[0] == 403
    assert request(port, "GET", f"/gradio_api/file={Path(__file__)}")[0] == 403
    client.predict(api_name="/export_docx")  # replaces the first export
    assert request(port, "GET", f"/gradio_api/file={served[0]}")[0] == 403
    client.close()


def test_file_policy_and_route_matching(tmp_path: Path) -> None:
    uploads = tmp_path / "gradio"
    export = uploads / "curio-export-abc123"
    export.mkdir(parents=True)
    (export / "c.md").write_text("x", encoding="utf-8")
    (uploads / "hash" / "draft.txt").parent.mkdir()
    (uploads / "hash" / "draft.txt").write_text("x", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    live: list[Path] = [export]
    policy = FilePolicy(exports=lambda: live, uploads=uploads)
    assert policy.allows(str(export / "c.md"))
    assert policy.allows(str(uploads / "hash" / "draft.txt"))
    assert not policy.allows(str(tmp_path / "secret.txt"))
    assert not policy.allows(str(uploads / "hash" / ".." / ".." / "secret.txt"))
    assert not policy.allows("http://1.1.1.1/x")
    live.clear()
    assert not policy.allows(str(export / "c.md")), "a replaced export is no longer served"
    assert file_route_target("/gradio_api/file%253Dhttp%253A%252F%252Fx") == "http://x"
    assert file_route_target("//gradio_api//FILE=/tmp/x") == "/tmp/x"
    assert file_route_target("/gradio_api/config") is None
    assert file_route_target("/gradio_api/queue/join") is None


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_serve_in_a_network_namespace_under_strace(corpus_settings: Any, tmp_path: Path) -> None:
    """The real `curio serve`, loopback only, traced: 0 connect() beyond loopback."""
    result = in_namespace(
        tmp_path,
        index_dir=corpus_settings.index_dir,
        probe_paths=route_forms(),
        predict_routes=PREDICT_ROUTES,
        predict_body=FILE_INPUT.decode(),
        session=False,
    )
    statuses = result["probe"]
    wrong = [(p, s) for p, s in statuses if not 400 <= s < 500]
    assert len(statuses) == len(route_forms()) + len(PREDICT_ROUTES)
    assert wrong == [], f"answered without a 4xx: {wrong[:5]}"
    assert result["connects"] > 0, "strace saw no connect() at all: it did not trace the server"
    assert non_loopback_connects(result["trace"]) == []


def test_the_strace_check_sees_a_connect_beyond_loopback(tmp_path: Path) -> None:
    """The trace parser flags what it must (and passes loopback and local sockets)."""
    v4 = (
        "connect({fd}, {{sa_family=AF_INET, sin_port=htons({port}), "
        'sin_addr=inet_addr("{ip}")}}, 16)'
    )
    v6 = (
        "connect({fd}, {{sa_family=AF_INET6, sin6_port=htons({port}), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "{ip}", &sin6_addr), sin6_scope_id=0}}, 28)'
    )
    trace = "\n".join(
        [
            "12 " + v4.format(fd=3, port=7860, ip="127.0.0.1") + " = 0",
            '12 connect(4, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
            "12 " + v6.format(fd=5, port=80, ip="::1") + " = 0",
            "13 " + v4.format(fd=6, port=80, ip="203.0.113.5") + " = -1 ENETUNREACH",
            "13 " + v6.format(fd=7, port=443, ip="2001:db8::1") + " = -1 ENETUNREACH",
        ]
    )
    bad = non_loopback_connects(trace)
    assert [b[0] for b in bad] == ["203.0.113.5", "2001:db8::1"]
    assert non_loopback_connects(trace, allowed={("203.0.113.5", 80)}) == [bad[1]]
