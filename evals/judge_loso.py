"""How the learned whole-text judge does on a writer it never saw, against the thresholds.

    .venv/bin/python evals/judge_loso.py [--weight 2.0]

The ``tune`` split holds earlier blind splits (``tune-seen-test-*.yaml``), each written by a
session that never saw the engine. Each is held out in turn: the judge is fitted on every
other tune text (``assistant.review.judge.fit_judge``, the shipped code) and the per-lens
thresholds are chosen on the same texts (``evals/tune_review.py``); both then decide the
held-out split (the judge through the engine's own steps, so a lens the judge raises with
nothing in the text to point at is dropped, as in a review). Rates are over texts about a
family (as in the threshold search); the judge also learns from the texts not about a family,
as shipped, and its flags on held-out ones are reported. Tuning data only: dev and test are
never read.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

from assistant.evaluation import load_scenarios  # noqa: E402
from assistant.lenses import LENS_IDS  # noqa: E402
from assistant.review.judge import JudgeRow, fit_judge  # noqa: E402

#: held-out groups: one blind split each (the sixth came as two files, and the fourth and
#: fifth were small, so they are held out together)
GROUPS = {
    "ninth": ("tune-seen-test-9.yaml",),
    "eighth": ("tune-seen-test-8.yaml",),
    "seventh": ("tune-seen-test-7.yaml",),
    "sixth": ("tune-seen-test-6a.yaml", "tune-seen-test-6b.yaml"),
    "fourth+fifth": ("tune-seen-test-4.yaml", "tune-seen-test-5.yaml"),
    "tenth": ("tune-seen-test-10.yaml",),
    "eleventh": ("tune-seen-test-11.yaml",),
    "twelfth": ("tune-seen-test-12.yaml",),
    "thirteenth": ("tune-seen-test-13.yaml",),
    "fourteenth": ("tune-seen-test-14.yaml",),
    "fifteenth": ("tune-seen-test-15.yaml",),
    "sixteenth": ("tune-seen-test-16.yaml",),
    "seventeenth": ("tune-seen-test-17.yaml",),
    "eighteenth": ("tune-seen-test-18.yaml",),
    "nineteenth": ("tune-seen-test-19.yaml",),
    "twentieth": ("tune-seen-test-20.yaml",),
    "twenty-first": ("tune-seen-test-21.yaml",),
    "twenty-second": ("tune-seen-test-22.yaml",),
    "twenty-third": ("tune-seen-test-23.yaml",),
    "twenty-fourth": ("tune-seen-test-24.yaml",),
    "twenty-fifth": ("tune-seen-test-25.yaml",),
    "twenty-sixth": ("tune-seen-test-26.yaml",),
    "twenty-seventh": ("tune-seen-test-27.yaml",),
    "twenty-eighth": ("tune-seen-test-28.yaml",),
    "twenty-ninth": ("tune-seen-test-29.yaml",),
    "thirtieth": ("tune-seen-test-30.yaml",),
    "thirty-first": ("tune-seen-test-31.yaml",),
    "thirty-second": ("tune-seen-test-32.yaml",),
    "thirty-third": ("tune-seen-test-33.yaml",),
    "thirty-fourth": ("tune-seen-test-34.yaml",),
    "thirty-fifth": ("tune-seen-test-35.yaml",),
    "thirty-sixth": ("tune-seen-test-36.yaml",),
    "thirty-seventh": ("tune-seen-test-37.yaml",),
    "thirty-eighth": ("tune-seen-test-38.yaml",),
    "thirty-ninth": ("tune-seen-test-39.yaml",),
    "fortieth": ("tune-seen-test-40.yaml",),
    "forty-first": ("tune-seen-test-41.yaml",),
    "forty-second": ("tune-seen-test-42.yaml",),
    "forty-third": ("tune-seen-test-43.yaml",),
    "forty-fourth": ("tune-seen-test-44.yaml",),
    "forty-fifth": ("tune-seen-test-45.yaml",),
    "forty-sixth": ("tune-seen-test-46.yaml",),
    "forty-seventh": ("tune-seen-test-47.yaml",),
    "forty-eighth": ("tune-seen-test-48.yaml",),
    "forty-ninth": ("tune-seen-test-49.yaml",),
    "fiftieth": ("tune-seen-test-50.yaml",),
    "fifty-first": ("tune-seen-test-51.yaml",),
    "fifty-second": ("tune-seen-test-52.yaml",),
    "fifty-third": ("tune-seen-test-53.yaml",),
    "fifty-fourth": ("tune-seen-test-54.yaml",),
    "fifty-fifth": ("tune-seen-test-55.yaml",),
    "fifty-sixth": ("tune-seen-test-56.yaml",),
    "fifty-seventh": ("tune-seen-test-57.yaml",),
    "fifty-eighth": ("tune-seen-test-58.yaml",),
    "fifty-ninth": ("tune-seen-test-59.yaml",),
    "sixtieth": ("tune-seen-test-60.yaml",),
    "sixty-first": ("tune-seen-test-61.yaml",),
}
#: the seed letter's concerns: each must reach recall 0.95 on its own
HEADLINE = ("perpetrator-absence-plan", "protective-parent-burden", "past-behaviour")


def tally(flags: np.ndarray, rows: list[JudgeRow], quality: list[str]) -> dict[str, float]:
    req = np.stack([r.required for r in rows])
    forb = np.stack([r.forbidden for r in rows])
    good = [int(f.sum()) for f, q in zip(flags, quality, strict=True) if q == "good-practice"]
    flawed = [int(f.sum()) for f, q in zip(flags, quality, strict=True) if q == "flawed"]
    return {
        "hit": int((flags & req).sum()),
        "req": int(req.sum()),
        "fhit": int((flags & forb).sum()),
        "forb": int(forb.sum()),
        "good": float(np.mean(good)) if good else float("nan"),
        "flawed": float(np.mean(flawed)) if flawed else float("nan"),
        "good_counts": good,  # type: ignore[dict-item]
        "flawed_counts": flawed,  # type: ignore[dict-item]
    }


def line(name: str, t: dict[str, float]) -> str:
    return (
        f"  {name:13s} recall {t['hit'] / max(1, t['req']):.3f} ({t['hit']}/{t['req']})  "
        f"forbidden-hit {t['fhit'] / max(1, t['forb']):.3f} ({t['fhit']}/{t['forb']})  "
        f"flags per good-practice text {t['good']:.2f}, per flawed text {t['flawed']:.1f}"
    )


def shipped(
    judge: Any, reviewer: Any, row: JudgeRow, gates: dict[str, bool], text: str
) -> np.ndarray:
    """The lenses the review raises for this text with this judge: the engine's own steps
    (nothing for a text not about a family or naming no family member; readings, the judge's
    decision, no "missing" flag with nothing to point at)."""
    from assistant.review.decide import apply_judgement, read_text
    from assistant.review.engine import UNSEEN_LENS

    if row.about_family < reviewer.params.case_material or not reviewer.names_family(text):
        return np.zeros(len(LENS_IDS), dtype=bool)
    readings = read_text(row.probs, list(LENS_IDS), reviewer.params, gates)
    raised, scores = judge.flags(row.probs, row.about_family, row.gates)
    apply_judgement(readings, raised, scores, reviewer.params.judge_floor, frozenset({UNSEEN_LENS}))
    return np.array([r.kind is not None for r in readings])


def main(argv: list[str] | None = None) -> int:
    import tune_review

    from assistant.review import get_reviewer
    from assistant.review.engine import exact_gates

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weight", type=float, default=2.0)
    args = ap.parse_args(argv)
    reviewer = get_reviewer()
    folder = ROOT / "evals" / "scenarios"
    tune = [s for s in load_scenarios(folder) if s.split == "tune"]
    family_texts = [i for i, s in enumerate(tune) if s.quality != "not-family"]
    rows, gates_of = [], []
    for s in tune:
        _sentences, probs, family = reviewer.read(s.text)
        gates = exact_gates(s.text)
        gates_of.append(gates)
        rows.append(
            JudgeRow(
                probs,
                family,
                np.array([gates.get(lens, True) for lens in LENS_IDS]),
                np.array([lens in s.required for lens in LENS_IDS]),
                np.array([lens in s.forbidden for lens in LENS_IDS]),
            )
        )
    base = dict(
        zip(
            family_texts,
            tune_review.features(reviewer, [tune[i] for i in family_texts]),
            strict=True,
        )
    )
    totals: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))  # type: ignore[type-arg]
    not_family_flags: list[int] = []
    for name, files in GROUPS.items():
        held_all = [i for i, s in enumerate(tune) if s.source in files]
        if not held_all:
            continue
        out = set(held_all)
        # the judge learns from every other tune text, not-family ones included (as shipped)
        judge, _stats = fit_judge(
            [rows[i] for i in range(len(tune)) if i not in out], LENS_IDS, args.weight
        )
        for i in held_all:
            if tune[i].quality == "not-family":
                raised = shipped(judge, reviewer, rows[i], gates_of[i], tune[i].text)
                not_family_flags.append(int(raised.sum()))
        held = [i for i in held_all if i in base]
        rest = [i for i in family_texts if i not in out]
        by_judge = np.stack(
            [shipped(judge, reviewer, rows[i], gates_of[i], tune[i].text) for i in held]
        )
        best = tune_review.tune([base[i] for i in rest], args.weight)
        by_thresholds = tune_review.decide([base[i] for i in held], best).astype(bool)
        quality = [tune[i].quality for i in held]
        print(f"{name} split held out ({len(held)} texts about a family):")
        for method, flags in (("judge", by_judge), ("thresholds", by_thresholds)):
            t = tally(flags, [rows[i] for i in held], quality)
            print(line(method, t))
            for k in ("hit", "req", "fhit", "forb"):
                totals[method][k].append(t[k])
            totals[method]["good"] += t["good_counts"]  # type: ignore[arg-type]
            totals[method]["flawed"] += t["flawed_counts"]  # type: ignore[arg-type]
            for lens in HEADLINE:
                j = LENS_IDS.index(lens)
                totals[method][lens + ":hit"].append(
                    int((flags[:, j] & np.array([rows[i].required[j] for i in held])).sum())
                )
                totals[method][lens + ":req"].append(int(sum(rows[i].required[j] for i in held)))
    print("all held-out splits:")
    for method, t in totals.items():
        pooled = {k: sum(t[k]) for k in ("hit", "req", "fhit", "forb")}
        pooled["good"] = float(np.mean(t["good"])) if t["good"] else float("nan")
        pooled["flawed"] = float(np.mean(t["flawed"])) if t["flawed"] else float("nan")
        print(line(method, pooled))
        print(
            "    "
            + ", ".join(
                f"{lens} {sum(t[lens + ':hit'])}/{sum(t[lens + ':req'])}" for lens in HEADLINE
            )
        )
    if not_family_flags:
        print(
            f"judge on held-out texts not about a family: {np.mean(not_family_flags):.2f} flags "
            f"per text ({len(not_family_flags)} texts, most {max(not_family_flags)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
