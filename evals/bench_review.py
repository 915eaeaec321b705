"""Benchmark: review p50/p95 for a 2,000-word draft on two CPU cores, model already loaded.

    .venv/bin/python evals/bench_review.py [--runs 30] [--threads 2]

Prints figures only; nothing here is a timed test. The machine may be shared, so the load
average is printed before and after: figures taken under a load above the core count are noise.
The draft is built from the tuning scenarios only (never the test split).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def draft(words: int = 2000) -> str:
    import yaml

    texts: list[str] = []
    for path in sorted((ROOT / "evals" / "scenarios").glob("tune*.yaml")):
        texts += [row["text"] for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    out: list[str] = []
    while sum(len(t.split()) for t in out) < words:
        out.append(texts[len(out) % len(texts)])
    return " ".join(" ".join(out).split()[:words])


def load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from assistant.review import build_reviewer

    t0 = time.perf_counter()
    reviewer = build_reviewer()
    print(f"start-up (lens model from cache + catalogue): {time.perf_counter() - t0:.2f} s")
    text = draft()
    print(f"before: {load()}")
    reviewer.review(text)  # warm-up
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        reviewer.review(text)
        times.append(time.perf_counter() - t)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(
        f"{len(text.split())} words, {args.runs} runs, {args.threads} threads: "
        f"p50 {statistics.median(times):.3f} s, p95 {p95:.3f} s, max {times[-1]:.3f} s"
    )
    from assistant.casefile import extract_case

    def p95_of(values: list[float]) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(round(0.95 * len(values))) - 1)]

    extract_case(text)  # warm-up (cue words loaded)
    alone, both = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        extract_case(text)
        alone.append(time.perf_counter() - t)
        t = time.perf_counter()
        reviewer.review(text)
        extract_case(text)
        both.append(time.perf_counter() - t)
    print(
        f"case at a glance (people, chronology, accounts): p50 {statistics.median(alone):.3f} s,"
        f" p95 {p95_of(alone):.3f} s; review + case at a glance: p50 "
        f"{statistics.median(both):.3f} s, p95 {p95_of(both):.3f} s"
    )
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
