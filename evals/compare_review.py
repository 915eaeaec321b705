"""Compare lens-model training settings side by side on the same data.

    .venv/bin/python evals/compare_review.py --layers 1 --epochs 3 [--layers 2 --epochs 3 ...]

For each setting: train (or load from its own cache folder under /tmp), choose thresholds on the
tune split exactly as ``evals/tune_review.py`` does, then score the dev split with them (held
out from the choice) and time a review of the example draft. The test split is never read.
Figures only; nothing is written to ``prompts/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

import tune_review  # noqa: E402

from assistant.evaluation import evaluate, load_scenarios  # noqa: E402
from assistant.lenses import load_catalogue  # noqa: E402
from assistant.review import Reviewer, sources_for  # noqa: E402
from assistant.review.build import load_or_train  # noqa: E402
from assistant.review.decide import DecisionParams, LensThresholds  # noqa: E402
from assistant.review.model import TrainingConfig  # noqa: E402


def params_from(best) -> DecisionParams:  # type: ignore[no-untyped-def]
    _score, th_n, th_c, lens_t, _r, _f = best
    return DecisionParams(
        lenses={
            lens: LensThresholds(present=tp, cover=tc, relevant=tr, excuse=min(1.0, tx))
            for lens, (_, (tp, tc, tr, tx), _a, _b) in lens_t.items()
        },
        thorough_lenses=th_n,
        thorough_cover=th_c,
    )


def run(layers: int, epochs: int) -> None:
    cat = load_catalogue(ROOT / "prompts" / "lenses.yaml")
    rows = [(t, f"present:{lens.id}") for lens in cat for t in lens.present_examples]
    rows += [(t, f"covered:{lens.id}") for lens in cat for t in lens.covered_examples]
    config = TrainingConfig(trained_layers=layers, epochs=epochs)
    started = time.perf_counter()
    model = load_or_train(
        sources_for(ROOT / "prompts", ROOT / "corpus"),
        [lens.id for lens in cat],
        Path(f"/tmp/curio-compare-L{layers}E{epochs}"),
        extra_rows=rows,
        config=config,
    )
    took = time.perf_counter() - started
    reviewer = Reviewer(model, cat)
    scenarios = load_scenarios(ROOT / "evals" / "scenarios")
    tune = [s for s in scenarios if s.split == "tune"]
    family = [r for r in tune_review.features(reviewer, tune) if r["quality"] != "not-family"]
    reviewer.params = params_from(tune_review.tune(family, 2.0))
    res = evaluate(reviewer, scenarios, "dev").to_json()
    draft = (ROOT / "docs" / "examples" / "pearce-assessment.txt").read_text(encoding="utf-8")
    t = time.perf_counter()
    reviewer.review(draft)
    print(
        f"layers {layers} epochs {epochs}: build {took:.0f} s; dev recall "
        f"{res['overall']['recall']}, forbidden-hit {res['overall']['forbidden_hit_rate']}; "
        f"flags per text {res['per_quality']}; example review {time.perf_counter() - t:.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, action="append", required=True)
    ap.add_argument("--epochs", type=int, action="append", required=True)
    args = ap.parse_args(argv)
    if len(args.layers) != len(args.epochs):
        print("compare_review: give --layers and --epochs in pairs", file=sys.stderr)
        return 2
    for layers, epochs in zip(args.layers, args.epochs, strict=True):
        run(layers, epochs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
