"""Run the real ``curio serve`` in a network namespace with only loopback, under strace.

``in_namespace`` (called by tests) runs this file as a script inside ``unshare -n`` (``-rn``
when not root: a user namespace maps us to root there). Inside, the script brings loopback
up, optionally adds a test address to it and serves a stand-in OpenAI-compatible model there
(so "a configured LLM URL" is a real address that is not loopback), starts
``strace -f -e trace=connect python -m assistant serve`` (with ``chroma_corpus``, pointed at a
``chroma run`` on another added address, its index built there from that small corpus) and,
once the app answers, asks it for
the given paths and, with ``session``, reviews a draft, asks a question and exports the
checklist through gradio_client. It prints one JSON line with what it saw; the trace file is
read by the test. ``non_loopback_connects`` lists the connect() calls in a trace that went
anywhere but loopback (or an allowed address).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LLM_ADDRESS = "198.51.100.7"  # TEST-NET-2: added to loopback inside the namespace only
CHROMA_ADDRESS = "198.51.100.8"
_CONNECT = re.compile(r"connect\(\d+, \{sa_family=(AF_INET6?|AF_UNIX|AF_NETLINK|[A-Z_0-9]+)(.*)")
_V4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
_V6 = re.compile(r'sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]+)"')


def tools_missing() -> list[str]:
    return [t for t in ("unshare", "strace", "ip") if shutil.which(t) is None]


def non_loopback_connects(
    trace: str, allowed: set[tuple[str, int]] | frozenset[tuple[str, int]] = frozenset()
) -> list[tuple[str, int, str]]:
    """(address, port, line) for every connect() to an internet address that is neither
    loopback nor in ``allowed``. Local sockets (AF_UNIX, netlink) never leave the machine."""
    import ipaddress

    bad = []
    for line in trace.splitlines():
        m = _CONNECT.search(line)
        if not m or m.group(1) not in ("AF_INET", "AF_INET6"):
            continue
        addr = (_V4 if m.group(1) == "AF_INET" else _V6).search(m.group(2))
        if addr is None:
            bad.append(("?", 0, line))
            continue
        port, host = int(addr.group(1)), addr.group(2)
        ip = ipaddress.ip_address(host)
        mapped = getattr(ip, "ipv4_mapped", None)
        if ip.is_loopback or (mapped is not None and mapped.is_loopback):
            continue
        if (host, port) in allowed:
            continue
        bad.append((host, port, line.strip()))
    return bad


def in_namespace(
    tmp: Path,
    *,
    index_dir: Path,
    probe_paths: list[str] = (),  # type: ignore[assignment]
    predict_routes: list[str] = (),  # type: ignore[assignment]
    predict_body: str = "",
    session: bool = True,
    llm: bool = False,
    chroma_corpus: Path | None = None,
    timeout: float = 480,
) -> dict[str, Any]:
    """Run the scenario in a fresh network namespace; its JSON result plus the strace text."""
    missing = tools_missing()
    if missing:
        import pytest

        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{', '.join(missing)} not installed (make test-deps installs them)")
        pytest.skip(f"{', '.join(missing)} not installed (make test-deps installs them)")
    config = {
        "index": str(index_dir),
        "home": str(tmp / "home"),
        "cache": str(tmp / "gradio"),
        "trace": str(tmp / "connect.trace"),
        "probe_paths": list(probe_paths),
        "predict_routes": list(predict_routes),
        "predict_body": predict_body,
        "session": session,
        "llm": llm,
        "chroma_corpus": str(chroma_corpus) if chroma_corpus else "",
        "chroma": str(Path(sys.executable).parent / "chroma"),
    }
    cfg = tmp / "netns.json"
    cfg.write_text(json.dumps(config), encoding="utf-8")
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    proc = subprocess.run(
        [*unshare, sys.executable, __file__, str(cfg)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"namespace run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(lines[-1])
    result["trace"] = Path(config["trace"]).read_text(encoding="utf-8", errors="replace")
    result["connects"] = sum(1 for x in result["trace"].splitlines() if "connect(" in x)
    return result


# --------------------------------------------------------------------------- inside the namespace


class _StubModel(BaseHTTPRequestHandler):
    """Just enough of the OpenAI chat API: every answer cites passage [1]."""

    seen: list[str] = []

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        _StubModel.seen.append(json.dumps(body)[:20000])
        text = "The guidance says to look at the history of the abuse [1]."
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in (text[:30], text[30:]):
                chunk = {
                    "id": "c1",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "stub",
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        reply = {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "stub",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _get(port: int, method: str, path: str, body: str = "") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        data = body.encode() if body else None
        if data is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _session(port: int, cache: Path) -> dict[str, Any]:
    from gradio_client import Client

    sys.path.insert(0, str(REPO))
    from assistant.app import EXAMPLE_DRAFT

    client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=str(cache / "dl"))
    review = client.predict(EXAMPLE_DRAFT, [], api_name="/review")
    ask = client.predict(
        "What is the MARAC threshold?", "Ask about guidance", "", [], api_name="/send"
    )
    exported, note = client.predict(api_name="/export_md")
    value = exported.get("value") if isinstance(exported, dict) else exported
    text = Path(value).read_text(encoding="utf-8") if value else ""
    client.close()
    return {
        "review_flags": str(review[5]).count("class='curio-flag'"),
        "ask_answer": str(ask[0][-1]["content"])[:400],
        "export_note": note,
        "export_starts": text[:40],
    }


def _run(config: dict[str, Any]) -> dict[str, Any]:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    env = {k: v for k, v in os.environ.items() if k == "CURIO_CACHE" or not k.startswith("CURIO_")}
    env |= {
        "CURIO_HOME": config["home"],
        "CURIO_INDEX": config["index"],
        "GRADIO_TEMP_DIR": config["cache"],
        "PYTHONPATH": str(REPO),
    }
    stub = None
    allowed: list[list[Any]] = []
    if config["llm"]:
        subprocess.run(["ip", "addr", "add", f"{LLM_ADDRESS}/32", "dev", "lo"], check=True)
        llm_port = _free_port(LLM_ADDRESS)
        stub = ThreadingHTTPServer((LLM_ADDRESS, llm_port), _StubModel)
        threading.Thread(target=stub.serve_forever, daemon=True).start()
        env |= {
            "CURIO_LLM": "openai:stub",
            "CURIO_LLM_BASE_URL": f"http://{LLM_ADDRESS}:{llm_port}/v1",
            "CURIO_LLM_TIMEOUT": "30",
        }
        allowed.append([LLM_ADDRESS, llm_port])
    chroma = None
    if config["chroma_corpus"]:  # a team's Chroma server at an address that is not loopback
        subprocess.run(["ip", "addr", "add", f"{CHROMA_ADDRESS}/32", "dev", "lo"], check=True)
        chroma_port = _free_port(CHROMA_ADDRESS)
        data = Path(config["home"]).parent / "chroma-data"
        chroma = subprocess.Popen(
            [config["chroma"], "run", "--path", str(data), "--host", CHROMA_ADDRESS]
            + ["--port", str(chroma_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection(CHROMA_ADDRESS, chroma_port, timeout=5)
                conn.request("GET", "/api/v2/heartbeat")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chroma run did not answer within 120 s")
            time.sleep(0.5)
        env |= {
            "CURIO_CHROMA_URL": f"http://{CHROMA_ADDRESS}:{chroma_port}",
            "CURIO_CORPUS": config["chroma_corpus"],
            "CURIO_INDEX": str(Path(config["home"]).parent / "index-for-chroma"),
        }
        allowed.append([CHROMA_ADDRESS, chroma_port])
    port = _free_port()
    pidfile = Path(config["home"]).parent / "serve.pid"
    Path(config["home"]).mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=connect",
            "-o",
            config["trace"],
            "sh",
            "-c",
            f'echo $$ > "{pidfile}"; exec "$0" "$@"',
            sys.executable,
            "-m",
            "assistant",
            "serve",
            "--port",
            str(port),
        ],  # fmt: skip
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: dict[str, Any] = {"port": port, "allowed": allowed}
    try:
        deadline = time.monotonic() + 300
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"curio serve stopped: {server.stderr.read()[-3000:]}")
            try:
                if _get(port, "GET", "/config") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("curio serve did not answer within 300 s")
            time.sleep(0.5)
        out["probe"] = [[p, _get(port, "GET", p)] for p in config["probe_paths"]]
        out["probe"] += [
            [p, _get(port, "POST", p, config["predict_body"])] for p in config["predict_routes"]
        ]
        if config["session"]:
            out["session"] = _session(port, Path(config["cache"]))
        out["llm_requests"] = len(_StubModel.seen)
        out["llm_saw_case_names"] = any("Holloway" in s for s in _StubModel.seen)
    finally:
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            pass
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        if stub is not None:
            stub.shutdown()
        if chroma is not None:
            chroma.terminate()
            try:
                chroma.wait(timeout=30)
            except subprocess.TimeoutExpired:
                chroma.kill()
    return out


if __name__ == "__main__":
    print(json.dumps(_run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))), flush=True)
