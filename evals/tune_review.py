"""Choose the review's per-lens thresholds (``prompts/review.yaml``) on development texts.

Since the learned whole-text judge (``assistant/review/judge.py``) decides which lenses a text
falls short on, these thresholds choose each flag's evidence (which sentences read as falling
short) and decide only for a reviewer given no judge (unit tests' small fakes). The figures
printed here are the thresholds' own decision, kept as the baseline the judge is compared with.

    .venv/bin/python evals/tune_review.py [--splits tune] [--weight 2.0] [--cv 5] [--write]

Reads every scenario of the named splits (never ``test``) with the trained lens model, then
searches, lens by lens, the thresholds that maximise recall of required lenses minus
``weight`` times the forbidden-hit rate, for each setting of the thorough-text rule. Both rates
are over all lenses (every lens's hits share one denominator), so the search maximises the
figure that is reported: with a lens's own counts as denominators, one forbidden hit on a
rarely forbidden lens outweighed several required ones elsewhere (5-fold cross-validation on
tune, 2026-12-03: recall 0.901 -> 0.906, forbidden-hit 0.067 -> 0.062). Prints the
figures; ``--write`` saves the thresholds. The model itself is not changed.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluation import load_scenarios  # noqa: E402
from assistant.lenses import LENS_IDS  # noqa: E402
from assistant.review.decide import COVERAGE, NEITHER, SHORTFALL, thorough_rows  # noqa: E402
from assistant.review.engine import UNSEEN_LENS, _unseen_harm, exact_gates  # noqa: E402

GRID_P = np.round(np.arange(0.2, 0.91, 0.1), 2)
GRID_X = (0.9, 0.98, 1.01)
#: thorough: this many lenses covered, or this share of the lenses in play (1.01: never)
GRID_THOROUGH = tuple(
    itertools.product((3, 4, 5, 6, 7, 8, 10, 12, 16), (0.5, 0.7), (0.5, 0.6, 0.7, 0.8, 1.01))
)
THOROUGH_RELEVANT = 0.5
CASE_MODES = ("off", "always", "unless-thorough")


def features(reviewer, scenarios):  # type: ignore[no-untyped-def]
    """Per text: per-lens best shortfall (where it beats coverage), best coverage, relevance,
    gate, the about-a-family probability, and whether the case model finds the adult causing
    the harm unseen and unchecked (the reviewer's fallback for perpetrator-invisible)."""
    rows = []
    for sc in scenarios:
        _, probs, family = reviewer.read(sc.text)
        if len(probs) == 0:
            probs = np.zeros((1, len(LENS_IDS), 4), dtype=np.float32)
            probs[:, :, NEITHER] = 1
        s, c = probs[:, :, SHORTFALL], probs[:, :, COVERAGE]
        sp = np.where(s > c, s, 0).max(axis=0)
        gates = exact_gates(sc.text)
        unseen = any(_unseen_harm(p) for p in reviewer._people(sc.text))
        rows.append(
            {
                "sp": sp,
                "c": c.max(axis=0),
                "rel": (1 - probs[:, :, NEITHER]).max(axis=0),
                "gate": np.array([gates.get(lens, True) for lens in LENS_IDS]),
                "family": family,
                "unseen": np.array([unseen and lens == UNSEEN_LENS for lens in LENS_IDS]),
                "req": np.array([lens in sc.required for lens in LENS_IDS]),
                "forb": np.array([lens in sc.forbidden for lens in LENS_IDS]),
                "quality": sc.quality,
            }
        )
    return rows


def tune(rows, weight: float):  # type: ignore[no-untyped-def]
    sp = np.stack([r["sp"] for r in rows])
    c = np.stack([r["c"] for r in rows])
    rel = np.stack([r["rel"] for r in rows])
    gate = np.stack([r["gate"] for r in rows])
    req = np.stack([r["req"] for r in rows])
    forb = np.stack([r["forb"] for r in rows])
    unseen = np.stack([r["unseen"] for r in rows])
    all_req, all_forb = max(1, int(req.sum())), max(1, int(forb.sum()))
    best = None
    for th_n, th_c, th_s in GRID_THOROUGH:
        thorough = thorough_rows(c, rel, th_n, th_c, th_s, THOROUGH_RELEVANT)
        lens_t = {}
        total_r = total_f = 0
        for j, lens in enumerate(LENS_IDS):
            top = None
            modes = CASE_MODES if unseen[:, j].any() else ("off",)
            for tp, tc, tr, tx, mode in itertools.product(GRID_P, GRID_P, GRID_P, GRID_X, modes):
                present = gate[:, j] & (sp[:, j] >= tp) & (c[:, j] < tx)
                absent = (
                    gate[:, j] & (sp[:, j] < tp) & ~thorough & (c[:, j] < tc) & (rel[:, j] >= tr)
                )
                by_case = gate[:, j] & unseen[:, j] & (c[:, j] < tc)  # see Reviewer
                if mode == "off":
                    by_case = by_case & False
                elif mode == "unless-thorough":
                    by_case = by_case & ~thorough
                flag = present | absent | by_case
                hr = int((flag & req[:, j]).sum())
                hf = int((flag & forb[:, j]).sum())
                score = hr / all_req - weight * hf / all_forb
                if top is None or score > top[0] + 1e-9:
                    top = (score, (float(tp), float(tc), float(tr), float(tx), mode), hr, hf)
            lens_t[lens] = top
            total_r += top[2]
            total_f += top[3]
        score = total_r / all_req - weight * total_f / all_forb
        if best is None or score > best[0]:
            best = (score, (th_n, th_c, th_s), lens_t, total_r, total_f)
    return best


def decide(rows, best):  # type: ignore[no-untyped-def]
    """The flags (n_texts, n_lenses) that the thresholds in ``best`` raise on ``rows``: the
    same decision as ``tune`` scores, for texts the thresholds were not chosen on."""
    _score, (th_n, th_c, th_s), lens_t, _r, _f = best
    sp = np.stack([r["sp"] for r in rows])
    c = np.stack([r["c"] for r in rows])
    rel = np.stack([r["rel"] for r in rows])
    gate = np.stack([r["gate"] for r in rows])
    unseen = np.stack([r["unseen"] for r in rows])
    thorough = thorough_rows(c, rel, th_n, th_c, th_s, THOROUGH_RELEVANT)
    flags = np.zeros_like(gate)
    for j, lens in enumerate(LENS_IDS):
        tp, tc, tr, tx, mode = lens_t[lens][1]
        present = gate[:, j] & (sp[:, j] >= tp) & (c[:, j] < tx)
        absent = gate[:, j] & (sp[:, j] < tp) & ~thorough & (c[:, j] < tc) & (rel[:, j] >= tr)
        by_case = gate[:, j] & unseen[:, j] & (c[:, j] < tc)
        if mode == "off":
            by_case = by_case & False
        elif mode == "unless-thorough":
            by_case = by_case & ~thorough
        flags[:, j] = present | absent | by_case
    return flags


def cross_validate(rows, weight: float, folds: int = 5, seed: int = 0) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Thresholds chosen on the other folds, scored on each held-out fold: an estimate of how
    the in-sample figure shrinks on texts the thresholds never saw."""
    order = np.random.default_rng(seed).permutation(len(rows))
    hit_r = n_r = hit_f = n_f = 0
    good: list[int] = []
    for k in range(folds):
        held = set(order[k::folds].tolist())
        train = [r for i, r in enumerate(rows) if i not in held]
        test = [r for i, r in enumerate(rows) if i in held]
        flags = decide(test, tune(train, weight))
        req = np.stack([r["req"] for r in test])
        forb = np.stack([r["forb"] for r in test])
        hit_r += int((flags & req).sum())
        n_r += int(req.sum())
        hit_f += int((flags & forb).sum())
        n_f += int(forb.sum())
        good += [
            int(f.sum())
            for f, r in zip(flags, test, strict=True)
            if r["quality"] == "good-practice"
        ]
    return {
        "recall": hit_r / max(1, n_r),
        "forbidden_hit": hit_f / max(1, n_f),
        "good_practice_flags": float(np.mean(good)) if good else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", default="tune", help="comma-separated; never test")
    ap.add_argument("--weight", type=float, default=2.0)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--cv", type=int, default=0, help="also a K-fold cross-validated estimate")
    args = ap.parse_args(argv)
    splits = set(args.splits.split(","))
    if "test" in splits:
        print("tune_review: the test split is never used to choose thresholds", file=sys.stderr)
        return 2
    from assistant.review import get_reviewer

    reviewer = get_reviewer()
    scenarios = [s for s in load_scenarios(ROOT / "evals" / "scenarios") if s.split in splits]
    rows = features(reviewer, scenarios)
    family = [r for r in rows if r["quality"] != "not-family"]
    best = tune(family, args.weight)
    score, (th_n, th_c, th_s), lens_t, hr, hf = best
    req = sum(int(r["req"].sum()) for r in family)
    forb = sum(int(r["forb"].sum()) for r in family)
    print(
        f"{len(scenarios)} texts; thorough: {th_n} lenses covered at {th_c}, or a share "
        f"{th_s} of those in play"
    )
    print(
        f"in-sample recall {hr / max(1, req):.3f} ({hr}/{req}), forbidden-hit "
        f"{hf / max(1, forb):.3f} ({hf}/{forb})"
    )
    if args.cv > 1:
        cv = cross_validate(family, args.weight, args.cv)
        print(
            f"{args.cv}-fold cross-validated: recall {cv['recall']:.3f}, forbidden-hit "
            f"{cv['forbidden_hit']:.3f}, flags per good-practice text "
            f"{cv['good_practice_flags']:.2f}"
        )
    for lens, (_s, (tp, tc, tr, tx, mode), a, b) in lens_t.items():
        print(
            f"  {lens:26s} present {tp:.2f} cover {tc:.2f} relevant {tr:.2f} excuse {tx:.2f}"
            f"  hits {a} forbidden {b}" + (f"  case model {mode}" if mode != "off" else "")
        )
    if args.write:
        path = ROOT / "prompts" / "review.yaml"
        data = {
            "thorough_lenses": th_n,
            "thorough_cover": th_c,
            "thorough_share": th_s,
            "thorough_relevant": THOROUGH_RELEVANT,
            "case_material": 0.5,
            **{
                k: float(v)
                for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()
                if k in ("judge_weight", "judge_floor")
            },
            "case_model_unseen": lens_t[UNSEEN_LENS][1][4],
            "lenses": {
                lens: {"present": tp, "cover": tc, "relevant": tr, "excuse": min(1.0, tx)}
                for lens, (_, (tp, tc, tr, tx, _m), _a, _b) in lens_t.items()
            },
        }
        head = (
            "# Review decision thresholds: data, not code (see assistant/review/decide.py).\n"
            f"# Chosen by: evals/tune_review.py --splits {args.splits} --weight {args.weight}"
            " --write\n# (never on the test split).\n"
        )
        path.write_text(head + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
