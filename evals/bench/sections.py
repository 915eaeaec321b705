"""The five measurements. Each returns plain dicts so the report can be written from JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed import Embedder
from assistant.index import Index
from assistant.ingest import Skipped, iter_files, load_document
from assistant.retrieve import MODES, Retriever
from assistant.settings import REPO_ROOT, Settings
from assistant.types import Chunk
from evals.bench.machine import load_average
from evals.bench.metrics import first_rank, latency_summary, mrr_at_k, recall_at_k
from evals.bench.synth import (
    corpus_sentences,
    perturbed_vectors,
    synthetic_chunks,
    synthetic_draft,
    word_count,
)
from evals.bench.timing import EncodeTimer

Log = Callable[[str], None]


def load_labelled(evals_dir: Path) -> list[dict[str, str]]:
    """Every ``{"query", "source"}`` line in evals/retrieval/*.jsonl (the set keeps growing)."""
    rows: list[dict[str, str]] = []
    for path in sorted((evals_dir / "retrieval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append({"query": row["query"], "source": row["source"], "file": path.name})
    return rows


def _worker(args: list[str], timeout: float = 600) -> tuple[list[dict[str, Any]], float]:
    """Run the worker; return its JSON lines and the wall time of the whole process."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "evals.bench.worker", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"bench worker {args[0]} failed:\n{proc.stderr[-3000:]}")
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    return lines, wall


# ---------------------------------------------------------------------------- 3. ingestion


def ingestion(index_dir: Path, corpus: Path) -> dict[str, Any]:
    """Ingest the corpus in a fresh process (its peak RSS is the ingest's), vs raw encode."""
    lines, wall = _worker(["ingest", "--index", str(index_dir), "--corpus", str(corpus)])
    out = next(x for x in lines if x["kind"] == "ingest")
    out["process_s"] = wall
    out["chunks_per_s"] = out["chunks"] / out["ingest_s"]
    out["raw_chunks_per_s"] = out["chunks"] / out["raw_encode_s"]
    out["ratio"] = out["ingest_s"] / out["raw_encode_s"]
    out["cpu_ratio"] = out["ingest_cpu_s"] / out["raw_encode_cpu_s"]
    return out


# ---------------------------------------------------------------------------- 1. quality


def _scores(rankings: list[list[str]], targets: list[str]) -> dict[str, float]:
    return {
        "recall@1": recall_at_k(rankings, targets, 1),
        "recall@5": recall_at_k(rankings, targets, 5),
        "mrr@10": mrr_at_k(rankings, targets, 10),
    }


def baseline_store(embedder: Embedder, corpus: Path, folder: Path) -> tuple[Any, dict[str, Any]]:
    """The afternoon-tutorial RAG: raw files, RecursiveCharacterTextSplitter 1000/200, Chroma."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = []
    for item in iter_files([corpus]):  # the same files Curio reads (folder READMEs skipped)
        if isinstance(item, Skipped):
            continue
        path, _key = item
        text = path.read_text(encoding="utf-8", errors="replace")
        docs.extend(splitter.create_documents([text], metadatas=[{"source": path.name}]))
    client = chromadb.PersistentClient(
        path=str(folder), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = Chroma(
        collection_name="baseline", embedding_function=embedder.as_langchain(), client=client
    )
    start = time.perf_counter()
    store.add_documents(docs)
    build_s = time.perf_counter() - start
    return store, {"chunks": len(docs), "build_s": build_s, "chunks_per_s": len(docs) / build_s}


def quality(
    retriever: Retriever,
    embedder: Embedder,
    corpus: Path,
    labelled: list[dict[str, str]],
    folder: Path,
) -> dict[str, Any]:
    """Document-level recall@1, recall@5 and MRR@10 for Curio's retrievers and the baseline."""
    targets = [row["source"] for row in labelled]
    per_query: list[dict[str, Any]] = [dict(row) for row in labelled]
    results: dict[str, dict[str, float]] = {}
    for mode in ("bm25", "dense", "hybrid"):
        rankings = []
        for row, record in zip(labelled, per_query, strict=True):
            hits = retriever.search(row["query"], k=10, mode=mode)
            ranked = [h.chunk.source for h in hits]
            rankings.append(ranked)
            record[mode] = first_rank(ranked, row["source"])
        results[mode] = _scores(rankings, targets)
    store, build = baseline_store(embedder, corpus, folder)
    rankings = []
    for row, record in zip(labelled, per_query, strict=True):
        docs = store.similarity_search(row["query"], k=10)
        ranked = [str(d.metadata.get("source", "")) for d in docs]
        rankings.append(ranked)
        record["baseline"] = first_rank(ranked, row["source"])
    results["baseline"] = _scores(rankings, targets)
    gap = {m: results["hybrid"][m] - results["baseline"][m] for m in results["hybrid"]}
    return {
        "queries": len(labelled),
        "files": sorted({row["file"] for row in labelled}),
        "scores": results,
        "gap_hybrid_minus_baseline": gap,
        "baseline": build,
        "per_query": per_query,
    }


# ---------------------------------------------------------------------------- 2. review


def make_reviewer(embedder: Embedder, retriever: Retriever) -> tuple[Any, str]:
    """Curio's review engine, or None and the reason it could not be built."""
    try:
        from assistant.review import build_reviewer
    except ImportError as exc:
        return None, f"review engine not available ({exc})"
    try:
        return build_reviewer(retriever=retriever), ""
    except Exception as exc:  # a half-finished engine should not sink the other sections
        return None, f"review engine not available ({type(exc).__name__}: {exc})"


#: Households in the "many people" draft: about 25 to 30 people in 2,000 words, the kind of
#: draft (a transfer summary, notes on several households) where the case file costs most.
MANY_FAMILIES = 6


def case_file_step() -> Callable[[str, Any], Any]:
    """The case at a glance as the CLI and the app build it after a review (the review's own
    gate for text about a family, the cue file read once)."""
    from assistant.casefile import case_for_review, load_cues

    cues = load_cues()

    def step(text: str, result: Any) -> Any:
        return case_for_review(text, result.is_case_material, cues)

    return step


def review_latency(
    reviewer: Any,
    sizes: Sequence[int],
    log: Log,
    max_reps: int = 20,
    budget_s: float = 30.0,
    timer: EncodeTimer | None = None,
    case_file: Callable[[str, Any], Any] | None = None,
    many_people: Sequence[int] = (2000,),
) -> dict[str, Any]:
    """p50/p95 per draft size of what a user waits for: the review, then the case at a glance
    (``case_file(text, review_result)``, as the CLI and the app run it). Each size in
    ``many_people`` is timed again on a draft about several households. Repetitions stop at
    max_reps or when the size's budget is spent."""
    rows = []
    drafts = [(w, 1) for w in sizes] + [(w, MANY_FAMILIES) for w in many_people if w in sizes]
    for words, families in drafts:
        warm = synthetic_draft(words, seed=0, families=families)
        result = reviewer.review(warm)  # a warm server: the guidance citations per lens are cached
        if case_file:
            case_file(warm, result)  # and the role classifier is loaded
        if timer:
            timer.reset()
        times: list[float] = []
        review_times: list[float] = []
        cpu_times: list[float] = []
        flags = people = 0
        spent = 0.0
        rep = 1
        while len(times) < max_reps and (len(times) < 3 or spent < budget_s):
            text = synthetic_draft(words, seed=rep, families=families)
            start, cpu = time.perf_counter(), time.process_time()
            result = reviewer.review(text)
            reviewed = time.perf_counter()
            if case_file:
                people = len(case_file(text, result).people)
            took = time.perf_counter() - start
            cpu_times.append(time.process_time() - cpu)
            times.append(took)
            review_times.append(reviewed - start)
            spent += took
            flags = len(result.flags)
            rep += 1
        row = {
            "words": word_count(warm),
            "target_words": words,
            "families": families,
            "people": people,
            "flags": flags,
        }
        row.update(latency_summary(times))
        row["review_p95_ms"] = latency_summary(review_times)["p95_ms"]
        case_times = [t - r for t, r in zip(times, review_times, strict=True)]
        row["case_p95_ms"] = latency_summary(case_times)["p95_ms"]
        row["cpu_p50_ms"] = latency_summary(cpu_times)["p50_ms"]
        if timer and times:
            row["encode_share"] = timer.seconds / sum(times)
            row["texts_encoded"] = timer.texts / len(times)
        rows.append(row)
        log(
            f"review {words} words ({families} household{'s' if families > 1 else ''}, "
            f"{people} people): p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms "
            f"(case file p95 {row['case_p95_ms']:.0f} ms)"
        )
    return {"rows": rows, "case_file": case_file is not None}


def training(cache: Path) -> dict[str, Any]:
    """Train the review model from scratch in a fresh process (``python -m assistant.review``
    with an empty cache folder): wall time and the process's peak RSS.

    The peak is the child's own high-water mark (``VmHWM``, read while it runs): the rusage
    of children counts a forked child's copy of this process before it starts the program,
    and this process can hold a 100,000-chunk index by then."""
    env = dict(os.environ, CURIO_CACHE=str(cache))
    start = time.perf_counter()
    err = cache.parent / "train.stderr"
    cache.parent.mkdir(parents=True, exist_ok=True)
    peak_kb = 0
    with err.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.review"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        while proc.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(proc.pid))
            time.sleep(0.5)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"training failed:\n{err.read_text(errors='replace')[-3000:]}")
    return {"seconds": seconds, "peak_rss_mb": peak_kb / 1024}


def _high_water_kb(pid: int) -> int:
    """A live process's peak resident memory so far (Linux /proc), 0 when unreadable."""
    from evals.bench.machine import _status_kb

    return _status_kb("VmHWM:", pid) or 0


def cold_start(index_dir: Path, folder: Path, queries: Sequence[str]) -> dict[str, Any]:
    """From process start to the first review answered, then serving RSS after more work."""
    draft = folder / "cold-start-draft.txt"
    draft.write_text(synthetic_draft(1000, seed=99), encoding="utf-8")
    args = ["serve", "--index", str(index_dir), "--draft", str(draft)]
    for q in queries[:5]:
        args += ["--search", q]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "evals.bench.worker", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    out: dict[str, Any] = {"notes": []}
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        if msg["kind"] == "first":
            out["cold_start_s"] = time.perf_counter() - start
            out["breakdown"] = msg
        elif msg["kind"] == "serve":
            out["serving"] = msg
        elif msg["kind"] == "note":
            out["notes"].append(msg["message"])
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        raise RuntimeError(f"bench worker serve failed:\n{stderr[-3000:]}")
    return out


# ---------------------------------------------------------------------------- 4. scale


def real_vectors(index: Index, chunks: list[Chunk]) -> np.ndarray:
    """The stored vectors of the real corpus chunks, in the order given."""
    vectors: dict[str, Any] = {}
    for start in range(0, len(chunks), 500):
        got = index.collection.get(
            ids=[c.id for c in chunks[start : start + 500]], include=["embeddings"]
        )
        vectors.update(zip(got["ids"], got["embeddings"], strict=True))
    return np.asarray([vectors[c.id] for c in chunks], dtype=np.float32)


def corpus_texts(corpus: Path) -> list[str]:
    texts = []
    for item in iter_files([corpus]):
        if isinstance(item, Skipped):
            continue
        path, key = item
        texts.extend(s.text for s in load_document(path, key).sections)
    return texts


def scale(
    embedder: Embedder,
    base_index: Index,
    corpus: Path,
    queries: Sequence[str],
    sizes: Sequence[int],
    folder: Path,
    log: Log,
    loads: list[float] | None = None,
) -> dict[str, Any]:
    """Search latency per retriever as the index grows: real chunks plus synthetic ones."""
    real = list(base_index.chunks())
    base = real_vectors(base_index, real)
    sentences = corpus_sentences(corpus_texts(corpus))
    rows: list[dict[str, Any]] = []
    embed_times: list[float] = []
    for q in queries:  # the query embedding alone, for the breakdown
        start = time.perf_counter()
        embedder.encode([q])
        embed_times.append(time.perf_counter() - start)
    for size in sizes:
        n_syn = max(0, size - len(real))
        chunks = real[:size] + synthetic_chunks(sentences, n_syn, seed=size)
        vectors = np.concatenate([base[:size], perturbed_vectors(base, n_syn, seed=size)])
        settings = Settings(index=folder / f"scale-{size}", chroma_url=None)
        index = Index(settings, embedder, settings.index_dir)
        load = load_average()
        start = time.perf_counter()
        index.write_vectors(chunks, vectors)
        write_s = time.perf_counter() - start
        start = time.perf_counter()
        index.bm25()
        bm25_s = time.perf_counter() - start
        retriever = Retriever(index)
        for mode in MODES:
            retriever.search(queries[0], k=5, mode=mode)  # first-query set-up is not latency
        row: dict[str, Any] = {
            "chunks": len(chunks),
            "write_s": write_s,
            "bm25_build_s": bm25_s,
            "load_before": load,
        }
        for mode in ("bm25", "dense", "hybrid"):
            times = []
            for q in queries:
                start = time.perf_counter()
                retriever.search(q, k=5, mode=mode)
                times.append(time.perf_counter() - start)
            row[mode] = latency_summary(times)
        row["load_after"] = load_average()
        if loads is not None:
            loads += [row["load_before"], row["load_after"]]
        rows.append(row)
        log(
            f"scale {len(chunks)} chunks: write {write_s:.1f}s, hybrid p95 "
            f"{row['hybrid']['p95_ms']:.0f} ms"
        )
        del retriever, index
    return {
        "rows": rows,
        "queries": len(queries),
        "query_embedding": latency_summary(embed_times),
    }


# ---------------------------------------------------------------------------- reasons


def explain(results: dict[str, Any]) -> list[str]:
    """For each missed target, the measured breakdown that says where the time or memory went."""
    why: list[str] = []
    cores = results["machine"]["cores"]
    busy = results.get("load_max", 0.0) > cores + 1  # our own threads make about `cores`
    contention = (
        f" The one-minute load average reached {results.get('load_max', 0):.1f} on {cores} cores "
        "during the run: other processes were competing for the CPU, and torch's two threads "
        "wait on each other when a core is taken away, which inflates every model call."
        if busy
        else ""
    )
    review = results.get("review") or {}
    rows_2k = [r for r in review.get("rows", []) if r["target_words"] == 2000]
    row = max(rows_2k, key=lambda r: r["p95_ms"]) if rows_2k else None
    if row and row["p95_ms"] >= 1000:
        share = row.get("encode_share")
        detail = (
            f" {share * 100:.0f}% of review time was spent embedding "
            f"({row.get('texts_encoded', 0):.0f} texts per review: every sentence is embedded)."
            if share is not None
            else ""
        )
        cpu = row.get("cpu_p50_ms")
        cpu_note = (
            f" A median review used {cpu:.0f} ms of CPU time across both cores, so on an idle "
            f"machine with both cores busy for us it would take at least about {cpu / 2:.0f} ms."
            if cpu
            else ""
        )
        why.append(
            f"Review of 2,000 words: p95 {row['p95_ms']:.0f} ms.{detail}{cpu_note}{contention}"
        )
    ing = results.get("ingestion") or {}
    if ing and ing["ratio"] > 1.3:
        inside = ing.get("encode_in_ingest_s")
        detail = (
            f" Of the {ing['ingest_s']:.1f} s, {inside:.1f} s was inside `Embedder.encode` "
            f"and {ing['ingest_s'] - inside:.1f} s was reading, chunking, Chroma writes and BM25."
            if inside is not None
            else ""
        )
        cpu = (
            f" In CPU seconds, which other processes disturb less, the ratio is "
            f"{ing['cpu_ratio']:.2f}x."
            if "cpu_ratio" in ing
            else ""
        )
        why.append(
            f"Ingestion took {ing['ratio']:.2f}x the raw encode time "
            f"({ing['ingest_s']:.1f} s vs {ing['raw_encode_s']:.1f} s).{detail}{cpu}{contention}"
        )
    scale = results.get("scale") or {}
    big = max(scale.get("rows", []), key=lambda r: r["chunks"], default=None)
    if big and big["chunks"] >= 100_000 and big["hybrid"]["p95_ms"] >= 150:
        qe = scale["query_embedding"]
        why.append(
            f"Hybrid search at {big['chunks']:,} chunks: p95 {big['hybrid']['p95_ms']:.0f} ms, of "
            f"which the query embedding alone has p95 {qe['p95_ms']:.0f} ms; bm25 alone "
            f"p95 {big['bm25']['p95_ms']:.0f} ms, dense alone {big['dense']['p95_ms']:.0f} ms "
            f"(both include the embedding).{contention}"
        )
    cold = results.get("cold") or {}
    if cold.get("cold_start_s", 0) >= 15:
        b = cold["breakdown"]
        why.append(
            f"Cold start {cold['cold_start_s']:.1f} s: imports {b['imports_s']:.1f} s, model "
            f"ready at {b['model_s']:.1f} s, index at {b['index_s']:.1f} s, reviewer at "
            f"{b['reviewer_s']:.1f} s, first answer at {b['first_answer_s']:.1f} s.{contention}"
        )
    rss = (cold.get("serving") or {}).get("peak_rss_mb")
    if rss is not None and rss >= 1200:
        why.append(f"Serving peak RSS {rss:.0f} MB.")
    quality = results.get("quality") or {}
    if quality and quality["gap_hybrid_minus_baseline"]["recall@5"] <= 0:
        why.append(
            "Hybrid recall@5 is not above the baseline's: see the questions it missed in section 1."
        )
    return why
