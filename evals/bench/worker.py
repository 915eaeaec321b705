"""Work that must run in a process of its own: a cold start, serving memory, ingest memory.

Run as ``python -m evals.bench.worker ingest|serve|app ...``; prints JSON lines on stdout. A peak
RSS can only be read for a whole process, so each measured role gets a fresh one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

_T0 = time.perf_counter()  # as early as we can be: the imports below are part of a cold start


def _emit(kind: str, payload: dict[str, Any]) -> None:
    print(json.dumps({"kind": kind, **payload}), flush=True)


def ingest(index_dir: Path, corpus: Path) -> None:
    """Time Curio's ingest against raw SentenceTransformer.encode of the very same texts.

    The first pass over new input shapes is slower (kernel set-up), and other work on the
    machine drifts, so: one untimed raw pass, then raw, ingest, raw, and compare the ingest
    with the mean of the two raw runs that bracket it. CPU seconds are kept beside wall time.
    """
    from assistant.embed import get_embedder
    from assistant.index import Index
    from assistant.ingest import Skipped, chunk_document, embedding_text, iter_files, load_document
    from assistant.settings import Settings
    from evals.bench.machine import current_rss_mb, load_average, peak_rss_mb
    from evals.bench.timing import EncodeTimer

    settings = Settings(index=index_dir, corpus=corpus, chroma_url=None)
    embedder = get_embedder(settings)
    texts = [
        embedding_text(c)
        for item in iter_files([corpus])
        if not isinstance(item, Skipped)
        for c in chunk_document(load_document(*item))
    ]

    def raw_encode() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        embedder._model.encode(  # the physical limit: the bare model on the same texts
            texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
        )
        return time.perf_counter() - wall, time.process_time() - cpu

    first_pass = raw_encode()  # warm-up: kernels for these input shapes (reported apart)
    load_before = load_average()
    raw_a = raw_encode()
    index = Index(settings, embedder, index_dir)
    timer = EncodeTimer(embedder)
    wall, cpu = time.perf_counter(), time.process_time()
    report = index.ingest([corpus], rebuild=True)
    index.bm25()  # a usable index has its BM25 side too
    ingest_s, ingest_cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_ingest = peak_rss_mb()
    encode_in_ingest = timer.seconds
    timer.restore()
    raw_b = raw_encode()
    raw_s = (raw_a[0] + raw_b[0]) / 2
    raw_cpu = (raw_a[1] + raw_b[1]) / 2
    _emit(
        "ingest",
        {
            "chunks": report.total,
            "raw_texts": len(texts),
            "files": report.files_read,
            "ingest_s": ingest_s,
            "ingest_cpu_s": ingest_cpu,
            "raw_encode_s": raw_s,
            "raw_encode_cpu_s": raw_cpu,
            "raw_encode_runs_s": [raw_a[0], raw_b[0]],
            "first_pass_s": first_pass[0],
            "encode_in_ingest_s": encode_in_ingest,
            "peak_rss_mb": peak_ingest,
            "rss_after_mb": current_rss_mb(),
            "load_before": load_before,
            "load_after": load_average(),
        },
    )


def serve(index_dir: Path, draft: Path, searches: list[str]) -> None:
    """Start as `curio serve` would, answer a first review, then keep working and report RSS."""
    from assistant.embed import get_embedder
    from assistant.index import open_index
    from assistant.retrieve import Retriever
    from assistant.settings import Settings
    from evals.bench.machine import current_rss_mb, peak_rss_mb

    marks: dict[str, float] = {"imports_s": time.perf_counter() - _T0}
    settings = Settings(index=index_dir, chroma_url=None)
    embedder = get_embedder(settings)
    marks["model_s"] = time.perf_counter() - _T0
    index = open_index(settings, embedder=embedder, build=False)
    index.refresh()
    retriever = Retriever(index)
    marks["index_s"] = time.perf_counter() - _T0
    text = draft.read_text(encoding="utf-8")
    try:
        from assistant.review import build_reviewer

        reviewer: Any = build_reviewer(settings, retriever)
    except ImportError as exc:
        reviewer = None
        marks["review_missing"] = 1.0
        _emit("note", {"message": f"review engine not available ({exc})"})
    marks["reviewer_s"] = time.perf_counter() - _T0
    if reviewer is not None:
        result = reviewer.review(text)
        answered = len(result.flags)
    else:  # without a review engine the first useful answer is a search
        answered = len(retriever.search(searches[0], k=5))
    marks["first_answer_s"] = time.perf_counter() - _T0
    _emit("first", {"answered": answered, **marks})
    for query in searches:
        for mode in ("hybrid", "dense", "bm25"):
            retriever.search(query, k=5, mode=mode)
    if reviewer is not None:
        for _ in range(3):
            reviewer.review(text)
            reviewer.review(text * 4)
    _emit("serve", {"peak_rss_mb": peak_rss_mb(), "rss_mb": current_rss_mb()})


def app(index_dir: Path, port: int, concurrency: int | None) -> None:
    """The app as `curio serve` starts it, with a chosen queue concurrency (the load section
    compares settings); prints one line when it answers, then serves until killed."""
    from assistant.app import QUEUE_CONCURRENCY, build_app, launch, warm_in_background
    from assistant.embed import use_serving_threads
    from assistant.settings import get_settings

    use_serving_threads()  # as serve() does

    settings = get_settings().model_copy(update={"index": index_dir, "port": port})
    demo = build_app(settings)
    warm_in_background(demo)  # as serve() does
    chosen = concurrency or QUEUE_CONCURRENCY
    launch(demo, settings, prevent_thread_lock=True, quiet=True, concurrency=chosen)
    _emit("ready", {"concurrency": chosen, "ready_s": time.perf_counter() - _T0})
    while True:
        time.sleep(3600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench.worker")
    sub = parser.add_subparsers(dest="role", required=True)
    p_ingest = sub.add_parser("ingest")
    p_ingest.add_argument("--index", type=Path, required=True)
    p_ingest.add_argument("--corpus", type=Path, required=True)
    p_serve = sub.add_parser("serve")
    p_serve.add_argument("--index", type=Path, required=True)
    p_serve.add_argument("--draft", type=Path, required=True)
    p_serve.add_argument("--search", action="append", default=[])
    p_app = sub.add_parser("app")
    p_app.add_argument("--index", type=Path, required=True)
    p_app.add_argument("--port", type=int, required=True)
    p_app.add_argument("--concurrency", type=int, default=None)
    args = parser.parse_args(argv)
    if args.role == "app":
        app(args.index, args.port, args.concurrency)
    elif args.role == "ingest":
        ingest(args.index, args.corpus)
    else:
        serve(args.index, args.draft, args.search or ["safety plan after separation"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
