"""``python -m evals.bench --out DIR``: speed, scale, memory and retrieval quality in one run.

Writes DIR/REPORT.md, DIR/results.json and PNG plots. Meant for two CPU cores and under ten
minutes; ``--quick`` shrinks every section for a smoke run (its figures are not comparable).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.settings import REPO_ROOT, Settings, offline_switches

REVIEW_SIZES = (250, 1000, 2000, 4000, 16000)
SCALE_SIZES = (1_000, 10_000, 100_000)
SCALE_QUERIES = 40  # labelled questions timed per retriever and size (keeps the run bounded)
SECTIONS = ("ingestion", "quality", "review", "cold", "scale", "load", "train")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench-report"))
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "corpus")
    parser.add_argument("--evals", type=Path, default=REPO_ROOT / "evals")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, few repetitions (a smoke run)"
    )
    parser.add_argument("--skip-scale", action="store_true", help="leave out section 4")
    parser.add_argument(
        "--only",
        help="run only these sections, comma-separated: "
        + ", ".join(SECTIONS)
        + " (e.g. --only load on a shared machine)",
    )
    parser.add_argument(
        "--index", type=Path, help="an existing corpus index to use (default: build one)"
    )
    parser.add_argument("--sessions", type=int, default=24, help="sessions in the load section")
    parser.add_argument(
        "--concurrency", type=int, help="the app's queue concurrency in the load section"
    )
    parser.add_argument(
        "--load-server",
        type=Path,
        help="serve the load section from another checkout's `curio serve` (a before figure)",
    )
    parser.add_argument(
        "--redraw", action="store_true", help="rewrite REPORT.md and plots from OUT/results.json"
    )
    args = parser.parse_args(argv)
    only = {x.strip() for x in (args.only or "").split(",") if x.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}: use {', '.join(SECTIONS)}")

    def want(section: str) -> bool:
        if section == "scale" and args.skip_scale and not only:
            return False
        return not only or section in only

    if args.redraw:
        from evals.bench import report

        results = json.loads((args.out / "results.json").read_text())
        images = report.plots(results, args.out)
        (args.out / "REPORT.md").write_text(report.markdown(results, images), encoding="utf-8")
        return 0
    offline_switches()
    if want("quality"):
        try:  # the baseline needs it; say so before spending minutes on the other sections
            import langchain_chroma  # noqa: F401
        except ImportError:
            print(
                "the benchmark needs langchain-chroma: pip install langchain-chroma",
                file=sys.stderr,
            )
            return 2
    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(
            f"[bench {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True
        )

    from evals.bench import report, sections
    from evals.bench.machine import load_average, machine_info, peak_rss_mb
    from evals.bench.timing import EncodeTimer

    loads = [load_average()]
    results: dict[str, Any] = {
        "command": "python -m evals.bench "
        + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "machine": machine_info(),
        "load_start": loads[0],
        "notes": [],
        "only": sorted(only),
    }
    labelled = sections.load_labelled(args.evals)
    queries = [row["query"] for row in labelled] or ["safety plan after separation"]
    with tempfile.TemporaryDirectory(prefix="curio-bench-") as tmp_name:
        tmp = Path(tmp_name)
        index_dir = args.index or tmp / "corpus-index"

        if want("ingestion"):
            log("3. ingestion (fresh process: model load, ingest, raw encode)")
            if args.index:
                index_dir = tmp / "corpus-index"  # ingest builds its own; --index is left alone
            results["ingestion"] = sections.ingestion(index_dir, args.corpus)
            loads.append(load_average())
            ing = results["ingestion"]
            log(
                f"   {ing['chunks']} chunks in {ing['ingest_s']:.1f}s; "
                f"raw {ing['raw_encode_s']:.1f}s"
            )

        needs_index = any(want(x) for x in ("quality", "review", "cold", "scale", "load"))
        if needs_index:
            from assistant.embed import get_embedder
            from assistant.index import Index, open_index
            from assistant.retrieve import Retriever

            settings = Settings(index=index_dir, corpus=args.corpus, chroma_url=None)
            embedder = get_embedder(settings)
            results["model"] = embedder.fingerprint
            if not (index_dir / "chroma").exists():
                log(f"   building the corpus index in {index_dir}")
                open_index(settings, embedder=embedder)
            index = Index(settings, embedder, index_dir)
            retriever = Retriever(index)

        if want("quality"):
            log(f"1. retrieval quality ({len(labelled)} labelled questions) and the baseline")
            if labelled:
                results["quality"] = sections.quality(
                    retriever, embedder, args.corpus, labelled, tmp / "baseline"
                )
            else:
                results["notes"].append(
                    "No labelled questions in evals/retrieval/: section 1 skipped."
                )
            loads.append(load_average())

        if want("review"):
            log("2. review latency")
            reviewer, reason = sections.make_reviewer(embedder, retriever)
            if reviewer is None:
                results["review"] = {"skipped": reason}
                log(f"   {reason}")
            else:
                timer = EncodeTimer(embedder)
                sizes = (250, 1000, 2000) if args.quick else REVIEW_SIZES
                results["review"] = sections.review_latency(
                    reviewer,
                    sizes,
                    log,
                    max_reps=3 if args.quick else 20,
                    timer=timer,
                    case_file=sections.case_file_step(),
                )
                timer.restore()
            loads.append(load_average())

        if want("cold"):
            log("2. cold start and 5. serving memory (fresh process)")
            results["cold"] = sections.cold_start(index_dir, tmp, queries)
            loads.append(load_average())
            log(f"   cold start {results['cold'].get('cold_start_s', float('nan')):.1f}s")

        # Before the scale section: that one leaves this process holding a 100,000-chunk index
        # (about 2.7 GB), and the load section's 24 client threads run here too (run after it,
        # review p95 5.4 s; run alone minutes later, 3.3 and 3.9 s).
        if want("load"):
            from evals.bench.load import load

            sessions = min(args.sessions, 4) if args.quick else args.sessions
            log(f"6. load: {sessions} concurrent sessions, each a review and a follow-up")
            loads.append(load_average())
            results["load"] = load(
                index_dir,
                tmp / "load",
                log,
                sessions=sessions,
                concurrency=args.concurrency,
                server_path=args.load_server,
            )
            loads.append(load_average())

        if want("scale"):
            sizes = (1_000, 5_000) if args.quick else SCALE_SIZES
            log(f"4. search latency at {', '.join(f'{s:,}' for s in sizes)} chunks")
            results["scale"] = sections.scale(
                embedder,
                index,
                args.corpus,
                queries[:SCALE_QUERIES],
                sizes,
                tmp / "scale",
                log,
                loads,
            )
        if want("train"):
            log("7. training the review model from scratch (a fresh cache folder)")
            results["train"] = sections.training(tmp / "train-cache")
            loads.append(load_average())
            log(f"   trained in {results['train']['seconds']:.0f}s")
        results["bench_peak_rss_mb"] = peak_rss_mb()

    loads.append(load_average())
    results["load_end"] = loads[-1]
    results["load_max"] = max(loads)
    results["elapsed_s"] = time.perf_counter() - started
    results["why"] = sections.explain(results)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    images = report.plots(results, args.out)
    (args.out / "REPORT.md").write_text(report.markdown(results, images), encoding="utf-8")
    log(f"wrote {args.out / 'REPORT.md'} in {results['elapsed_s']:.0f}s")
    for v in report.verdicts(results):
        log(f"   {v['status']:>6}  {v['label']}: {v['value']} (target {v['target']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
