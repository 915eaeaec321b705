"""How well the review classifier reads other writers' sentences (see evals/sentences/README.md).

    .venv/bin/python evals/sentence_eval.py [FILE]

Trains the reviewer on prompts/ as usual, then reads every sentence in FILE two ways:
- the classifier alone (its most probable label): exact accuracy, lens accuracy whatever the
  stance, stance accuracy when the lens is right, and recall per label;
- the whole engine (rules and classifier, as a review reads one sentence, gates open): for a
  ``present`` sentence, is it a shortfall for its lens; for a ``covered`` one, does it count as
  coverage; for a ``neutral`` one, does any lens read it as either.
Figures only; nothing here is a test.
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
    from assistant.embed import get_embedder
    from assistant.errors import CurioError
    from assistant.lenses import load_catalogue
    from assistant.review import GATES, Reviewer, Sentence, load_labelled_sentences

    try:
        rows = load_labelled_sentences(Path(args.file))
    except CurioError as exc:
        print(f"sentence_eval: {exc.message}", file=sys.stderr)
        return 2
    embedder = get_embedder()
    reviewer = Reviewer(embedder, load_catalogue())
    truth = np.array([label for _, label in rows])
    probs = reviewer._clf.predict_proba(embedder.encode([t for t, _ in rows]))
    guess = np.array(reviewer._clf.classes_)[probs.argmax(axis=1)]
    same_lens = np.array([lens_of(a) == lens_of(b) for a, b in zip(guess, truth, strict=True)])
    staged = truth != "neutral"
    print(f"{len(rows)} sentences from {args.file}")
    print(f"exact label:            {float((guess == truth).mean()):.3f}")
    print(f"right lens (any stance): {float(same_lens[staged].mean()):.3f}")
    right = same_lens & staged
    print(f"right stance | lens:    {float((guess[right] == truth[right]).mean()):.3f}")
    # The whole engine, one sentence at a time.
    vectors = embedder.encode([t for t, _ in rows])
    sims = vectors @ reviewer._ex_vectors.T
    gates = dict.fromkeys([*GATES, "older_child"], True)
    engine: Counter[str] = Counter()
    neutral_read = 0
    for i, (text, label) in enumerate(rows):
        one = [Sentence(0, len(text), text)]
        lenses = [reviewer.catalogue[lens_of(label)]] if label != "neutral" else reviewer.catalogue
        for lens in lenses:
            sig = reviewer._signals(lens, one, probs[i : i + 1], sims[i : i + 1], gates)
            if sig is None:
                continue
            if (
                label.startswith("present:")
                and sig.evidence
                or label.startswith("covered:")
                and sig.covered
            ):
                engine[label] += 1
            elif label == "neutral" and (sig.evidence or sig.covered):
                neutral_read += 1
                break
    counts, hits = Counter(truth), Counter(truth[guess == truth])
    kinds = {"present": "read as a shortfall", "covered": "read as coverage"}
    for kind, what in kinds.items():
        n = sum(c for label, c in counts.items() if label.startswith(kind))
        k = sum(c for label, c in engine.items() if label.startswith(kind))
        print(f"engine: {kind} sentences {what}: {k / n:.3f} ({k}/{n})")
    n = counts["neutral"]
    print(f"engine: neutral sentences read as either by some lens: {neutral_read / n:.3f}")
    print("per label: classifier alone, engine")
    for label in sorted(counts):
        alone = f"{hits[label] / counts[label]:.2f}"
        whole = f"{engine[label] / counts[label]:.2f}" if label != "neutral" else "  - "
        print(f"  {label:36s} {alone}  {whole}  (of {counts[label]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
