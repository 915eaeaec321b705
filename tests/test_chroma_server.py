"""Chroma server mode: a team's index lives in ``chroma run`` and behaves like the embedded one.

A real ``chroma run`` (the chromadb package's own server) is started on a free loopback port.
The same documents are ingested into it and into an embedded store; searches (and reviews) must
give the same top hits. The generation pointer works the same over HTTP: it is shared by every
client, so a second Curio sees a new generation as soon as it is published.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.embed import Embedder
from assistant.index import PREFIX, Index
from assistant.retrieve import Retriever
from assistant.settings import REPO_ROOT, Settings, get_settings

pytestmark = pytest.mark.integration

SUBSET = [
    "harbourside-marac-referral-procedure.md",
    "harbourside-safety-planning-procedure.md",
    "harbourside-pre-birth-assessment-procedure.md",
    "reasoning-traps-self-report-and-separation.md",
    "safe-and-together-perpetrator-pattern.md",
]
QUERIES = [
    "when must a MARAC referral be made",
    "the mother says the relationship is over so the children are safe",
    "father's pattern of coercive behaviour and its effect on parenting",
    "assessment before the baby is born",
    "how often is the safety plan reviewed",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_binary() -> str:
    candidate = Path(sys.executable).parent / "chroma"
    found = str(candidate) if candidate.exists() else shutil.which("chroma")
    assert found, "the chroma command (from the chromadb package) is not installed"
    return found


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``chroma run`` on a free loopback port; stopped when the module is done."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [chroma_binary(), "run", "--path", str(path / "data"), "--host", "127.0.0.1"]
        + ["--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (path / "server.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "chroma run did not answer within 60 s"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("subset")
    for name in SUBSET:
        shutil.copy(REPO_ROOT / "corpus" / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def both(
    chroma_server: str,
    subset: Path,
    make_settings: Callable[..., Settings],
    embedder: Embedder,
) -> tuple[Index, Index]:
    """The same documents in the embedded store and in the server."""
    local = Index(make_settings(corpus=subset), embedder)
    remote = Index(make_settings(corpus=subset, chroma_url=chroma_server), embedder)
    assert "fastapi" in remote._client.get_settings().chroma_api_impl.lower()
    assert "fastapi" not in local._client.get_settings().chroma_api_impl.lower()
    for index in (local, remote):
        report = index.ingest([subset])
        assert report.files_read == len(SUBSET) and report.total > 40
    assert not (remote.directory / "chroma").exists(), "server mode keeps no local store"
    return local, remote


def gens(index: Index) -> list[str]:
    # list_collections gives names in some chromadb versions and objects in others
    names = [c if isinstance(c, str) else c.name for c in index._client.list_collections()]
    return sorted(n for n in names if n.startswith(PREFIX))


def test_server_holds_the_same_index_and_gives_the_same_hits(both: tuple[Index, Index]) -> None:
    local, remote = both
    assert remote.info()["chunks"] == local.info()["chunks"] == remote.collection.count()
    assert sorted(c.id for c in remote.chunks()) == sorted(c.id for c in local.chunks())
    for mode, queries in (("hybrid", QUERIES), ("dense", QUERIES[:2]), ("bm25", QUERIES[2:4])):
        for query in queries:
            a = Retriever(local, mode=mode).search(query, k=5)
            b = Retriever(remote, mode=mode).search(query, k=5)
            assert [h.chunk.id for h in a[:3]] == [h.chunk.id for h in b[:3]], (mode, query)
            for x, y in zip(a, b, strict=True):
                assert x.relevance == pytest.approx(y.relevance, abs=1e-4)


def test_generations_and_the_pointer_work_over_http(
    both: tuple[Index, Index],
    subset: Path,
    chroma_server: str,
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    _, remote = both
    docs = tmp_path / "docs"
    shutil.copytree(subset, docs)
    # a second Curio on another machine: its own home, the same server
    other = Index(make_settings(corpus=subset, chroma_url=chroma_server), embedder)
    assert other.info() == remote.info()

    pointer = remote.info()["collection"]
    again = remote.ingest([docs])
    assert again.added == 0 and remote.info()["collection"] == pointer

    # a half-written generation, as a killed ingest on some machine would leave
    stray = remote._client.create_collection(f"{PREFIX}0_killed", embedding_function=None)
    stray.add(ids=["x"], embeddings=[[0.0] * embedder.dimension], documents=["half"])
    target = docs / "harbourside-marac-referral-procedure.md"
    target.write_text(
        target.read_text(encoding="utf-8") + "\n## Invented addendum\n\nRing the MARAC "
        "coordinator in Saltney on the same day as any repeat incident.\n",
        encoding="utf-8",
    )
    changed = remote.ingest([docs])
    assert changed.added == 1 and changed.replaced == 0
    new_pointer = remote.info()["collection"]
    assert new_pointer != pointer
    assert gens(remote) == sorted([pointer, new_pointer]), "stray cleared, previous kept"

    # the other client sees the new generation at once: the pointer is shared
    hit = Retriever(other).search("Saltney MARAC coordinator same day", k=1)[0]
    assert "Saltney" in hit.chunk.text
    assert other.info()["collection"] == new_pointer
    # put the index back as the other tests expect it
    remote.ingest([subset])
    assert remote.collection.count() == both[0].collection.count()


@pytest.fixture
def env_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Configure the CLI through CURIO_* environment variables, as a team would."""

    def configure(**values: str | None) -> None:
        for key, value in values.items():
            if value is None:
                monkeypatch.delenv(f"CURIO_{key.upper()}", raising=False)
            else:
                monkeypatch.setenv(f"CURIO_{key.upper()}", value)
        get_settings.cache_clear()

    yield configure
    get_settings.cache_clear()


def test_cli_search_through_the_server(
    both: tuple[Index, Index],
    chroma_server: str,
    subset: Path,
    env_settings: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    local, remote = both
    query = "the mother says the relationship is over so the children are safe"
    env_settings(chroma_url=None, corpus=str(subset))
    assert main(["search", query, "--index", str(local.directory), "--json"]) == 0
    embedded = json.loads(capsys.readouterr().out)["hits"]
    env_settings(chroma_url=chroma_server, corpus=str(subset))
    assert main(["search", query, "--index", str(remote.directory), "--json"]) == 0
    served = json.loads(capsys.readouterr().out)["hits"]
    assert [h["chunk_id"] for h in served] == [h["chunk_id"] for h in embedded]
    assert served[0]["source"] == "reasoning-traps-self-report-and-separation.md"


def test_unreachable_server_is_a_clear_message(
    env_settings: Callable[..., None], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_settings(chroma_url=f"http://127.0.0.1:{free_port()}")
    assert main(["search", "MARAC", "--index", str(tmp_path / "i")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "Could not reach the Chroma server" in err and "chroma run" in err
    env_settings(chroma_url="not a url")
    assert main(["search", "MARAC", "--index", str(tmp_path / "i")]) == 2
    assert "is not a URL" in capsys.readouterr().err


DRAFT = """Invented draft assessment for the Okafor-Hale household (all details invented).
Ms Hale says the relationship with Mr Okafor is over and he has moved to Kelby, so the risk to
Amara (6) and Theo (2) is now low. Mr Okafor has agreed to stay away and we have no concerns.
The safety plan is that Ms Hale will call the police if he comes to the house.
"""


def test_review_through_the_server_matches_the_embedded_store(
    both: tuple[Index, Index],
    chroma_server: str,
    subset: Path,
    env_settings: Callable[..., None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    in_ci = os.environ.get("CI", "").lower() == "true"  # in CI nothing may be skipped
    if importlib.util.find_spec("assistant.review") is None and not in_ci:
        pytest.skip("the review engine (assistant/review.py) has not landed yet")
    local, remote = both
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    results = []
    for url, index in ((None, local), (chroma_server, remote)):
        env_settings(chroma_url=url, corpus=str(subset))
        code = main(["review", str(draft), "--index", str(index.directory), "--json"])
        captured = capsys.readouterr()
        if code == 2 and "not available yet" in captured.err and not in_ci:
            pytest.skip("`curio review` is not wired into the CLI yet")
        assert code == 0, captured.err
        results.append(json.loads(captured.out)["flags"])
    embedded, served = results
    assert embedded, "the invented draft should raise at least one flag"
    assert served == embedded
