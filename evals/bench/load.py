"""6. Load: many practitioners on one server at once, against the model's raw encode floor.

The app runs in a process of its own (as `curio serve` would). ``sessions`` gradio_client
sessions, each in its own thread, wait at a barrier and then each reviews a different invented
draft of about 300 words and asks one follow-up question about the guidance. Per action:
p50 / p95 / max latency; overall: wall time, throughput, errors (an exception, a timeout or a
status line) and leaks (any of another session's invented names or its street in what a
session was shown). Beside it, the raw encode floor: the bare model encoding the same
sentences (every draft's sentences and every question) in one call of batch 32, on the same
machine, with the server stopped, with the library's default threads and with one (the faster
counts). Throughput is compared with that floor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant.settings import REPO_ROOT
from evals.bench.machine import load_average
from evals.bench.metrics import latency_summary
from evals.bench.synth import synthetic_draft, word_count

Log = Callable[[str], None]

FIRST = ("Zephyrine", "Albertine", "Corvinia", "Delphinea", "Esmerelda", "Fenwicka")
LAST = ("Ashdown", "Brackenbury", "Cholmondley", "Dunnage", "Everdeen", "Fothergill")
PARTNER = ("Thaddeus", "Barnaby", "Cuthbert", "Digory", "Ebenezer", "Fitzroy")
QUESTIONS = (
    "What should a safety plan say about contact after separation?",
    "When should a case be referred to MARAC?",
    "How should the father's history of violence be weighed in the assessment?",
    "What does the guidance say about hearing the child's own voice?",
    "Is it enough that the mother says the relationship is over?",
    "What should happen when a parent disguises their compliance?",
)
CHAT, SOURCES, PICKER, SECTION, DRAFT, FLAGS, FLAG_PICK, STATUS = range(8)
TIMEOUT = 300.0


def family(n: int, words: int = 300) -> dict[str, Any]:
    """Session n's invented case: names no other session has, around a different draft."""
    tag = f"{n:02d}{'abcdefghijklmnopqrstuvwxyz'[n % 26]}"
    mother = f"{FIRST[n % 6]} {LAST[n // 6 % 6]}-{tag}"
    partner = f"{PARTNER[(n + 1) % 6]} Quill-{tag}"
    child = f"Pip-{tag}"
    street = f"Marrowby{tag} Lane"
    opening = (
        f"Assessment summary (invented). {child} (6) lives with their mother, Ms {mother}, at "
        f"9 {street}. Police attended in March after Mr {partner} pushed Ms {mother} against a "
        f"wall while she was holding {child}. Mr {partner} has since moved out, so the risk to "
        f"{child} is now reduced."
    )
    body = synthetic_draft(max(50, words - word_count(opening)), seed=1000 + n)
    return {
        "n": n,
        "markers": [mother, partner, child, street],
        "draft": f"{opening}\n\n{body}",
        "question": QUESTIONS[n % len(QUESTIONS)],
    }


def _default_concurrency() -> int:
    from assistant.app import QUEUE_CONCURRENCY

    return QUEUE_CONCURRENCY


def _shown(out: Any) -> str:
    """Everything an answer put on the page: chat text and every panel."""
    parts = []
    for message in out[CHAT] or []:
        content = message.get("content") if isinstance(message, dict) else message
        if not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False)
        parts.append(content)
    parts += [str(out[i]) for i in (SOURCES, PICKER, SECTION, DRAFT, FLAGS, FLAG_PICK, STATUS)]
    return "\n".join(parts)


def _status(out: Any) -> str:
    value = out[STATUS]
    if isinstance(value, dict):
        value = value.get("value", "")
    return str(value or "")


def _start_server(
    index_dir: Path, folder: Path, concurrency: int | None, server_path: Path | None
) -> tuple[subprocess.Popen[str], int, str]:
    """The app in its own process; returns it, its port and its base URL once it answers."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    from assistant.settings import get_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("CURIO_")}
    env |= {
        "CURIO_HOME": str(folder / "home"),
        # the trained review model this checkout already has: a fresh home would mean a
        # ten-minute training inside the first review, which is not what is measured here
        "CURIO_CACHE": str(get_settings().cache_dir),
        "CURIO_INDEX": str(index_dir),
        "GRADIO_TEMP_DIR": str(folder / "gradio"),
        "PYTHONPATH": str(server_path or REPO_ROOT),
    }
    if server_path is not None:  # another checkout's `curio serve`, for a before/after figure
        cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
    else:
        cmd = [sys.executable, "-m", "evals.bench.worker", "app", "--index", str(index_dir)]
        cmd += ["--port", str(port)]
        if concurrency:
            cmd += ["--concurrency", str(concurrency)]
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        cmd, cwd=server_path or REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}/"
    import urllib.request

    deadline = time.monotonic() + 600
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the app stopped: {(folder / 'server.log').read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}config", timeout=5) as response:
                if response.status == 200:
                    return proc, port, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the app did not answer within 600 s")
        time.sleep(0.5)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _one_session(url: str, fam: dict[str, Any], start: threading.Barrier) -> dict[str, Any]:
    from gradio_client import Client

    seen: dict[str, Any] = {"n": fam["n"], "errors": [], "times": {}, "shown": ""}
    client = Client(url, verbose=False, download_files=False)
    try:
        start.wait(timeout=TIMEOUT)
        seen["began"] = time.monotonic()
        began = time.monotonic()
        review = client.submit(fam["draft"], [], api_name="/review").result(timeout=TIMEOUT)
        seen["times"]["review"] = time.monotonic() - began
        if _status(review):
            seen["errors"].append(f"review: {_status(review)}")
        if "<mark class='curio-hl'" not in str(review[DRAFT]):
            seen["errors"].append("review: no flag highlighted")
        began = time.monotonic()
        follow = client.submit(
            fam["question"], "Review a draft", fam["draft"], review[CHAT], api_name="/send"
        ).result(timeout=TIMEOUT)
        seen["times"]["follow-up"] = time.monotonic() - began
        if _status(follow):
            seen["errors"].append(f"follow-up: {_status(follow)}")
        seen["shown"] = _shown(review) + "\n" + _shown(follow)
    except Exception as exc:  # an error is a figure here, not a crash of the bench
        seen["errors"].append(f"{type(exc).__name__}: {exc}"[:300])
    finally:
        seen["ended"] = time.monotonic()
        client.close()
    return seen


def raw_floor(families: list[dict[str, Any]], runs: int = 2) -> dict[str, Any]:
    """The bare model on the same sentences: the physical limit for this work on this machine.

    Timed with the library's default threads and with one thread (faster when other work
    holds a core); the floor is the faster of the two, so the comparison is never flattering.
    """
    import torch

    from assistant.embed import get_embedder
    from assistant.review import split_sentences
    from assistant.settings import Settings

    embedder = get_embedder(Settings(chroma_url=None))
    texts = [s.text for f in families for s in split_sentences(f["draft"])]
    texts += [f["question"] for f in families]

    def encode() -> float:
        began = time.perf_counter()
        embedder._model.encode(
            texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
        )
        return time.perf_counter() - began

    default_threads = torch.get_num_threads()
    out: dict[str, Any] = {"sentences": len(texts)}
    try:
        for threads in (default_threads, 1):
            torch.set_num_threads(threads)
            encode()  # warm-up: kernels for these shapes
            out[f"runs_{threads}_thread_s"] = [encode() for _ in range(runs)]
    finally:
        torch.set_num_threads(default_threads)
    means = {k: sum(v) / len(v) for k, v in out.items() if k.startswith("runs_")}
    best = min(means, key=lambda k: means[k])
    out["runs_s"] = out[best]
    out["floor_s"] = means[best]
    out["floor_threads"] = int(best.split("_")[1])
    out["default_threads"] = default_threads
    return out


def load(
    index_dir: Path,
    folder: Path,
    log: Log,
    sessions: int = 24,
    words: int = 300,
    concurrency: int | None = None,
    server_path: Path | None = None,
) -> dict[str, Any]:
    """Run the load and the floor; plain dicts for the report."""
    folder.mkdir(parents=True, exist_ok=True)
    families = [family(n, words) for n in range(sessions)]
    proc, _port, url = _start_server(index_dir, folder, concurrency, server_path)
    try:
        log(f"   app up at {url}; warming it with one session")
        warm = _one_session(url, family(99, words), threading.Barrier(1))
        if warm["errors"]:
            raise RuntimeError(f"the warm-up session failed: {warm['errors']}")
        load_before = load_average()
        cpu_before = _cpu_seconds(proc.pid)
        start = threading.Barrier(sessions)
        with ThreadPoolExecutor(max_workers=sessions) as pool:
            futures = [pool.submit(_one_session, url, f, start) for f in families]
            results = [f.result(timeout=TIMEOUT * 3) for f in futures]
        cpu_used = _cpu_seconds(proc.pid) - cpu_before
        load_after = load_average()
        began = min(r.get("began", r["ended"]) for r in results)
        wall = max(r["ended"] for r in results) - began
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    log("   raw encode floor (server stopped)")
    floor = raw_floor(families)
    errors = [e for r in results for e in r["errors"]]
    leaks = []
    for r, fam in zip(results, families, strict=True):
        for other in families:
            if other is fam:
                continue
            found = [m for m in other["markers"] if m in r["shown"]]
            if found:
                leaks.append({"session": fam["n"], "saw": other["n"], "markers": found})
    actions: dict[str, Any] = {}
    for action in ("review", "follow-up"):
        times = [r["times"][action] for r in results if action in r["times"]]
        actions[action] = latency_summary(times) | {"max_ms": max(times, default=0) * 1000}
    done = sum(1 for r in results if not r["errors"])
    out = {
        "sessions": sessions,
        "draft_words": round(sum(word_count(f["draft"]) for f in families) / len(families)),
        "concurrency": concurrency
        or ("that checkout's own" if server_path else _default_concurrency()),
        "server": str(server_path) if server_path else "this checkout",
        "actions": actions,
        "wall_s": wall,
        "sessions_per_s": done / wall if wall else 0.0,
        "errors": errors,
        "error_count": len(errors),
        "leaks": leaks,
        "leak_count": len(leaks),
        "server_cpu_s": cpu_used,
        "load_before": load_before,
        "load_after": load_after,
        "floor": floor,
        "floor_sessions_per_s": sessions / floor["floor_s"],
        "ratio_to_floor": wall / floor["floor_s"],
    }
    log(
        f"   {sessions} sessions in {wall:.1f}s; review p50 {actions['review']['p50_ms']:.0f} ms, "
        f"p95 {actions['review']['p95_ms']:.0f} ms; floor {floor['floor_s']:.1f}s "
        f"({out['ratio_to_floor']:.1f}x); errors {len(errors)}, leaks {len(leaks)}"
    )
    return out
