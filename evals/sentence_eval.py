"""How well the review's lens model reads other writers' sentences (evals/sentences/README.md).

    .venv/bin/python evals/sentence_eval.py [FILE]

Reads every sentence in FILE alone (no context) with the trained lens model and reports:
- the model alone (its most probable lens and stance, or neutral when no lens reaches 0.5):
  exact accuracy, lens accuracy whatever the stance, and stance accuracy when the lens is right;
- the review's own reading, with the thresholds in prompts/review.yaml: for a ``present``
  sentence, is it a shortfall for its lens; for a ``covered`` one, does it count as coverage;
  for a ``neutral`` one, does any lens read it as either.
Figures only; nothing here is a test. The sentences are never training data.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "evals" / "sentences" / "blind-2026-11.jsonl"


def lens_of(label: str) -> str:
    return label.split(":", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from assistant.errors import CurioError
    from assistant.review import get_reviewer
    from assistant.review.data import load_sentence_rows
    from assistant.review.decide import COVERAGE, SHORTFALL
    from assistant.review.model import Unit

    try:
        rows = load_sentence_rows(Path(args.file))
    except (CurioError, ValueError, KeyError) as exc:
        print(f"sentence_eval: cannot read {args.file} ({exc})", file=sys.stderr)
        return 2
    reviewer = get_reviewer()
    lenses = [lens.id for lens in reviewer.catalogue]
    order = [reviewer.model.lenses.index(x) for x in lenses]
    probs = reviewer.model.read([Unit(" ".join(t.split())) for t, _ in rows]).probs[:, order, :]
    truth = np.array([label for _, label in rows])
    guess = []
    for p in probs:
        sc = p[:, [SHORTFALL, COVERAGE]]
        j, k = np.unravel_index(int(sc.argmax()), sc.shape)
        stance = "present" if k == 0 else "covered"
        guess.append("neutral" if sc[j, k] < 0.5 else f"{stance}:{lenses[j]}")
    guess_a = np.array(guess)
    staged = truth != "neutral"
    same_lens = np.array([lens_of(a) == lens_of(b) for a, b in zip(guess_a, truth, strict=True)])
    right = same_lens & staged & (guess_a != "neutral")
    print(f"{len(rows)} sentences from {args.file}")
    print(f"exact label:             {float((guess_a == truth).mean()):.3f}")
    print(f"right lens (any stance): {float(right.sum() / max(1, staged.sum())):.3f}")
    print(f"right stance | lens:     {float((guess_a[right] == truth[right]).mean()):.3f}")
    engine: Counter[str] = Counter()
    neutral_read = 0
    for i, label in enumerate(truth):
        if label == "neutral":
            for j, lens in enumerate(lenses):
                t = reviewer.params.for_lens(lens)
                s, c = probs[i, j, SHORTFALL], probs[i, j, COVERAGE]
                if (s >= t.present and s > c) or c >= t.cover:
                    neutral_read += 1
                    break
            continue
        j = lenses.index(lens_of(label))
        t = reviewer.params.for_lens(lenses[j])
        s, c = probs[i, j, SHORTFALL], probs[i, j, COVERAGE]
        shortfall = s >= t.present and s > c
        if shortfall if label.startswith("present:") else c >= t.cover:
            engine[label] += 1
    counts, hits = Counter(truth), Counter(truth[guess_a == truth])
    for kind, what in (("present", "read as a shortfall"), ("covered", "read as coverage")):
        n = sum(c for label, c in counts.items() if label.startswith(kind))
        k = sum(c for label, c in engine.items() if label.startswith(kind))
        print(f"review: {kind} sentences {what}: {k / max(1, n):.3f} ({k}/{n})")
    n = counts["neutral"]
    print(f"review: neutral sentences read as either by some lens: {neutral_read / max(1, n):.3f}")
    print("per label: model alone, review")
    for label in sorted(counts):
        alone = f"{hits[label] / counts[label]:.2f}"
        whole = f"{engine[label] / counts[label]:.2f}" if label != "neutral" else "  - "
        print(f"  {label:36s} {alone}  {whole}  (of {counts[label]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
