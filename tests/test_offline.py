"""Offline by default, proven: with every non-loopback connection blocked, Curio still works.

The guard patches ``socket.socket.connect``/``connect_ex``, ``socket.create_connection`` and
``socket.getaddrinfo`` to refuse (and record) anything that is not loopback, and adds a Python
audit hook on ``socket.connect``/``socket.getaddrinfo`` so a library holding its own reference
to the socket functions is caught too. Under it, with default settings, the model is loaded,
documents are ingested, the guidance is searched, and (once they exist) a draft is reviewed and
every chat mode answers. Nothing may even try to leave the machine.

The last test goes further, with the real server: ``curio serve`` runs in a network namespace
with only loopback, under ``strace -f -e trace=connect``, while a review, a question and an
export go through it; no connect() may go beyond loopback and a configured model's address.

Chroma must not load its default ONNX embedding function either: it downloads a model on first
use. Its constructor and download are patched to record and refuse, and every collection Curio
opens is checked to carry no embedding function.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import main
from assistant.embed import load_embedder
from assistant.index import Index
from assistant.retrieve import Retriever
from assistant.settings import Settings, get_settings

pytestmark = pytest.mark.integration

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_local_address(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like never leave the machine
        return True
    return is_loopback(address[0])


class NetworkGuard:
    """Records and refuses every attempt to reach beyond loopback while active."""

    def __init__(self) -> None:
        self.active = False
        self.attempts: list[str] = []

    def check(self, what: str, address: Any) -> None:
        if self.active and not _is_local_address(address):
            self.attempts.append(f"{what} {address!r}")
            raise OSError(f"network blocked by test_offline: {what} {address!r}")

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "socket.connect":
            sock, address = args
            if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
                self.check("socket.connect (audit)", address)
        elif event == "socket.getaddrinfo":
            self.check("getaddrinfo (audit)", (args[0], args[1]))


_GUARD = NetworkGuard()
sys.addaudithook(_GUARD.audit)  # audit hooks cannot be removed: it only acts while active


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        _GUARD.check("connect", address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _GUARD.check("connect_ex", address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _GUARD.check("create_connection", address)
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        _GUARD.check("getaddrinfo", (host, port))
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    _GUARD.attempts = []
    _GUARD.active = True
    try:
        yield _GUARD
    finally:
        _GUARD.active = False


@pytest.fixture
def no_chroma_onnx(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse and record any use of Chroma's default (downloading) embedding function."""
    from chromadb.api import types as chroma_types
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2 as onnx

    used: list[str] = []

    def refuse(name: str) -> Callable[..., Any]:
        def fn(*args: Any, **kwargs: Any) -> Any:
            used.append(name)
            raise RuntimeError(f"Chroma's default embedding function was used: {name}")

        return fn

    monkeypatch.setattr(onnx.ONNXMiniLM_L6_V2, "__init__", refuse("ONNXMiniLM_L6_V2()"))
    monkeypatch.setattr(onnx.ONNXMiniLM_L6_V2, "_download_model_if_not_exists", refuse("download"))
    refuse_default = refuse("DefaultEmbeddingFunction()")

    def default_call(self: Any, input: Any) -> Any:  # Chroma checks this signature
        return refuse_default(input)

    # list_collections() builds (but does not call) a default function for each collection
    monkeypatch.setattr(chroma_types.DefaultEmbeddingFunction, "__call__", default_call)
    return used


def test_the_guard_really_blocks(no_network: NetworkGuard) -> None:
    """A guard that blocks nothing would prove nothing."""
    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.10", 80), timeout=1)
    with pytest.raises(OSError):
        urllib.request.urlopen("http://example.invalid/", timeout=1)
    with socket.socket() as s, pytest.raises(OSError):
        s.connect(("203.0.113.5", 443))
    assert len(no_network.attempts) >= 3
    no_network.attempts.clear()
    with socket.socket() as server:  # loopback stays open
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
    assert no_network.attempts == []


def _collections_have_no_embedding_function(index: Index) -> None:
    for collection in (index._pointer, index.collection):
        assert collection._embedding_function is None, collection.name
        config = getattr(collection, "configuration_json", None) or {}
        assert config.get("embedding_function") is None, collection.name


def test_ingest_and_search_offline(
    no_network: NetworkGuard,
    no_chroma_onnx: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("CHROMA_URL", "LLM", "LLM_BASE_URL", "EMBED_MODEL", "INDEX"):
        monkeypatch.delenv(f"CURIO_{key}", raising=False)
    monkeypatch.setenv("CURIO_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        settings = get_settings()  # the defaults, as a new user has them
        assert settings.chroma_url is None and settings.llm == "none"
        embedder = load_embedder(settings)  # the model itself is loaded under the guard
        docs = tmp_path / "docs"
        docs.mkdir()
        (docs / "handover.md").write_text(
            "# Invented handover note\n\n## Contact\n\nHandovers happen at the contact centre so "
            "the adults never meet.\n",
            encoding="utf-8",
        )
        (docs / "pets.txt").write_text(
            "Threats to the family dog were used to frighten the children.", encoding="utf-8"
        )
        index = Index(settings, embedder)
        assert index.ingest([docs]).total == 2
        hits = Retriever(index).search("frightened about the dog", k=1)
        assert hits[0].chunk.source == "pets.txt"
        _collections_have_no_embedding_function(index)

        assert main(["ingest", str(docs), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["chunks_added"] == 0
        assert main(["search", "where do handovers happen", "--json", "--k", "1"]) == 0
        assert json.loads(capsys.readouterr().out)["hits"][0]["source"] == "handover.md"
    finally:
        get_settings.cache_clear()
    assert no_network.attempts == []
    assert no_chroma_onnx == []


DRAFT = """Invented draft: Ms Ash says she has ended the relationship with Mr Birch and that he will
not come back, so the risk to Ellie (4) is now low. There are no concerns and the case can close.
The safety plan is that Ms Ash will call the police if Mr Birch returns.
"""


def test_review_and_every_chat_mode_offline(
    no_network: NetworkGuard,
    no_chroma_onnx: list[str],
    corpus_settings: Settings,
    corpus_index: Index,
    tmp_path: Path,
) -> None:
    from assistant.chat import MODES, build_curio

    settings = corpus_settings.model_copy(update={"audit_log": tmp_path / "audit.jsonl"})
    assert settings.llm == "none" and settings.chroma_url is None
    curio = build_curio(settings)
    assert set(MODES) == {"review", "ask", "reflect", "scenario"}
    turns = {
        "review": ("Please review this draft.", DRAFT),
        "ask": ("When should a MARAC referral be made?", None),
        "reflect": ("Mum says dad has moved out and things are calmer now.", None),
        "scenario": ("start", None),
    }
    for mode, (message, draft) in turns.items():
        session = curio.new_session()
        final = list(curio.respond(session, mode, message, draft=draft))[-1]
        assert final.text.strip(), mode
    review = curio.reviewer.review(DRAFT)
    assert review.flags, "the invented draft should raise at least one flag"
    assert no_network.attempts == []
    assert no_chroma_onnx == []
    _collections_have_no_embedding_function(corpus_index)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("setup", ["defaults", "configured-remote-llm", "configured-chroma-server"])
def test_serve_review_ask_export_connect_only_to_loopback_and_the_configured_model(
    corpus_settings: Settings, tmp_path: Path, setup: str
) -> None:
    """`curio serve` in a network namespace with only loopback, traced by strace: a review, a
    guidance question and a checklist export make no connect() beyond loopback, except (when
    one is configured) to the language model's own address (a stand-in OpenAI-compatible
    server on 198.51.100.7 inside the namespace) or the Chroma server's (``chroma run`` on
    198.51.100.8, its index built from three corpus files). Names in the draft never reach the
    model."""
    import shutil

    from netns_serve import CHROMA_ADDRESS, LLM_ADDRESS, in_namespace, non_loopback_connects

    llm = setup == "configured-remote-llm"
    small = None
    if setup == "configured-chroma-server":
        small = tmp_path / "small-corpus"
        small.mkdir()
        for name in (
            "safelives-dash-marac.md",
            "reasoning-traps-self-report-and-separation.md",
            "harbourside-safety-planning-procedure.md",
        ):
            shutil.copy(corpus_settings.corpus / name, small / name)
    result = in_namespace(
        tmp_path, index_dir=corpus_settings.index_dir, session=True, llm=llm, chroma_corpus=small
    )
    seen = result["session"]
    assert seen["review_flags"] >= 1, seen
    assert seen["ask_answer"].strip(), seen
    assert "ready" in seen["export_note"] and seen["export_starts"].startswith("# Curiosity")
    allowed = {(host, int(port)) for host, port in result["allowed"]}
    assert non_loopback_connects(result["trace"], allowed) == []
    if llm:
        assert result["llm_requests"] >= 1, "the configured model was never asked"
        to_model = [x for x in result["trace"].splitlines() if f'"{LLM_ADDRESS}"' in x]
        assert to_model, "strace saw no connect() to the configured model: it traced nothing"
        assert not result["llm_saw_case_names"], "a name from the draft reached the remote model"
    else:
        assert result["llm_requests"] == 0
    if small is not None:
        to_chroma = [x for x in result["trace"].splitlines() if f'"{CHROMA_ADDRESS}"' in x]
        assert to_chroma, "strace saw no connect() to the Chroma server: it traced nothing"
