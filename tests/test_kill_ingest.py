"""Crash-safe ingestion: SIGKILL a real ``curio ingest`` part-way and lose nothing.

The ingest runs in its own process with its stderr on a pseudo-terminal, so it draws its
progress bar exactly as it would for a person; the test waits until at least one batch of
vectors has been written, then kills the process with SIGKILL (no clean-up can run). The index
from before must still be whole and answer queries, and running the ingest again must finish
with the right number of chunks and no duplicates.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.embed import Embedder
from assistant.index import PREFIX, Index
from assistant.retrieve import Retriever
from assistant.settings import REPO_ROOT, Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N_DOCS = 192  # one chunk each: three batches of 64, about 8 s of embedding on two cores
BATCH = 64
PLACES = ["Harbourside", "Eastmoor", "Kelby", "Northgate", "Saltney", "Wrenfield", "Ashcombe"]
WORKERS = ["health visitor", "school nurse", "youth worker", "GP", "housing officer"]
CONCERNS = [
    "missed appointments",
    "a new partner nobody has met",
    "bruising the child could not explain",
    "a police call-out at night",
    "the child refusing to go home",
]

BASE_DOCS = {
    "refuge-schooling.md": "## Schools and refuges\n\nWhen a family moves to a refuge, the new "
    "school is told the address only through its designated safeguarding lead.\n",
    "interpreters.md": "## Interpreters\n\nNever use a family member or a child as an "
    "interpreter when asking about abuse at home.\n",
    "pets.md": "## Threats to pets\n\nThreats to hurt the family dog are used to keep children "
    "quiet about what happens at home.\n",
}


def write_big_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(N_DOCS):
        place, worker = PLACES[n % len(PLACES)], WORKERS[n % len(WORKERS)]
        concern = CONCERNS[(n // 7) % len(CONCERNS)]
        (folder / f"household-{n:04d}.md").write_text(
            f"# Invented household {n}\n\n## Note {n}\n\n"
            f"In the invented {place} household number {n}, the {worker} reported {concern}. "
            f"Record {n * 37 % 1000} was checked against the chronology on day {n % 28 + 1}.\n",
            encoding="utf-8",
        )
    return folder


def generations(index: Index) -> list[str]:
    names = [c if isinstance(c, str) else c.name for c in index._client.list_collections()]
    return sorted(n for n in names if n.startswith(PREFIX))


def kill_mid_ingest(docs: Path, index_dir: Path, home: Path) -> tuple[str, int]:
    """Start ``curio ingest`` on a pseudo-terminal; SIGKILL it after the first full batch."""
    env = {k: v for k, v in os.environ.items() if k == "CURIO_CACHE" or not k.startswith("CURIO_")}
    env.update(CURIO_HOME=str(home), PYTHONUNBUFFERED="1")
    master, slave = pty.openpty()
    # a terminal 100 columns wide (a fresh pseudo-terminal reports 0, and tqdm draws nothing)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(docs), "--index", str(index_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        cwd=REPO_ROOT,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = ""
    done = 0
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 4096).decode("utf-8", "replace")
                except OSError:  # the process closed the terminal: it has ended
                    break
                counts = re.findall(r"(\d+)/(\d+) \[", seen)
                if counts:
                    done, total = map(int, counts[-1])
                    assert total == -(-N_DOCS // BATCH), seen[-300:]
                    if 1 <= done < total:
                        os.kill(proc.pid, signal.SIGKILL)
                        break
            if proc.poll() is not None:
                break
        else:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (
        f"the ingest was not killed mid-way (exit {proc.returncode}); it printed: {seen[-500:]}"
    )
    return seen, done


def test_sigkill_mid_ingest_loses_nothing(
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings()
    base = tmp_path / "base"
    base.mkdir()
    for name, text in BASE_DOCS.items():
        (base / name).write_text(text, encoding="utf-8")
    index = Index(settings, embedder)
    before = index.ingest([base])
    assert before.total == 3
    pointer_before = index.info()
    ids_before = sorted(c.id for c in index.chunks())

    big = write_big_corpus(tmp_path / "big")
    started = time.monotonic()
    _, done = kill_mid_ingest(big, settings.index_dir, settings.home)
    killed_after = time.monotonic() - started

    # the index from before is whole: same pointer, same chunks, and it answers queries
    after_kill = Index(settings, embedder)
    assert after_kill.info() == pointer_before
    assert sorted(c.id for c in after_kill.chunks()) == ids_before
    assert after_kill.collection.count() == 3
    hits = Retriever(after_kill).search("a child used as interpreter", k=1)
    assert hits[0].chunk.source == "interpreters.md"
    # and the kill really was mid-write: a half-filled generation is left behind
    orphans = [g for g in generations(after_kill) if g != pointer_before["collection"]]
    assert len(orphans) == 1, generations(after_kill)
    half = after_kill._client.get_collection(orphans[0], embedding_function=None).count()
    assert 3 + done * BATCH <= half < 3 + N_DOCS, (done, half)  # 3: the copied vectors

    # running the same ingest again completes: right count, no duplicates, orphan cleared
    assert main(["ingest", str(big), "--index", str(settings.index_dir), "--json"]) == 0
    out = capsys.readouterr().out
    assert f'"chunks_added": {N_DOCS},' in out and f'"chunks_total": {N_DOCS + 3}' in out
    final = Index(settings, embedder)
    ids = [c.id for c in final.chunks()]
    assert len(ids) == len(set(ids)) == final.collection.count() == N_DOCS + 3
    texts = [c.text for c in final.chunks()]
    assert len(texts) == len(set(texts))
    assert sorted(r["source"] for r in final.sources())[:3] == [
        "household-0000.md",
        "household-0001.md",
        "household-0002.md",
    ]
    assert orphans[0] not in generations(final)
    assert len(generations(final)) == 2  # the new generation and the one before it
    hit = Retriever(final).search("household number 147 Harbourside youth worker", k=1)[0]
    assert hit.chunk.source == "household-0147.md"
    print(
        f"killed after {killed_after:.1f}s with {done} of {-(-N_DOCS // BATCH)} batches "
        f"written ({half} vectors)"
    )
