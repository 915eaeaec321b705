"""Leave-one-blind-split-out figures for the ask composer's sentence choice.

    PYTHONPATH=$PWD python evals/ask/loso.py [--supporting 3,4,5,6] [--learn]

``evals/ask/tune.jsonl`` holds the earlier blind splits (ids ``aq-t*``, ``aq-v*``, ...), each
written by someone who never saw the composer, plus the older tuning questions; the groups are
read from the ids (``assistant.ask_eval.blind_groups``). Retrieval is
run once per question and kept; the composer is then re-run with changed settings, so each
variant costs seconds.

``--supporting`` scores the current rules with each number of supporting sentences (the key fact
counts anywhere in the answer, so more support finds more facts, at the cost of length).

``--learn`` fits the sentence scorer's weights by a listwise logistic regression (a softmax over
each question's candidate sentences; the label is "holds the key fact") on the other blind
splits plus the other tuning questions, and scores the held-out split, for the scorer's own
eight features and for eight more that describe the sentence (a number in it and whether the
type wants one, its place in its section, list or leaning pair, Curio's prompt or an invented
example, length).
The learned weights are rescaled to the spread of the current scores, so the margins in
``prompts/ask_rules.yaml`` keep their meaning. Tuning only: dev and test are never read.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from assistant.ask_eval import AskQuestion, blind_groups, load_ask_split
from assistant.ask_rules import AskRules
from assistant.ask_units import SentenceScorer, Unit
from assistant.chat import build_curio
from assistant.chat.modes.ask import ask_hits, lens_question_for
from assistant.settings import REPO_ROOT, Settings

BLIND = blind_groups(load_ask_split(REPO_ROOT / "evals" / "ask", "tune"))
QUANTITY = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|weeks?|months?|days?|years?|hours?)\b",
    re.I,
)
SHAPE = ("has_number", "number_wanted", "position", "is_list", "is_pair", "is_prompt")
SHAPE += ("is_example", "length")


def group(qid: str) -> str:
    return next((p for p in BLIND if qid.startswith(p)), "other")


def shape(scorer: SentenceScorer, section: str, u: Unit, wants_number: bool) -> dict:
    """What the sentence is like, whatever the question (the eight extra features)."""
    at = section.find(u.parts[0][:60]) if u.parts else -1
    num = 1.0 if QUANTITY.search(u.text) else 0.0
    return {
        "has_number": num,
        "number_wanted": num if wants_number else 0.0,
        "position": 1.0 - at / max(1, len(section)) if at >= 0 else 0.5,
        "is_list": float(len(u.parts) > 2),
        "is_pair": float(len(u.parts) == 2),
        "is_prompt": float(u.quote_as == "prompt"),
        "is_example": float(u.quote_as == "example"),
        "length": min(len(u.text), 1000) / 500,
    }


class Harness:
    def __init__(self) -> None:
        self.curio = build_curio(Settings())
        self.curio.audit = None
        self.comp = self.curio.composer
        self.comp.warm()
        self.base = self.comp.rules
        self.extra: dict[str, float] = {}
        questions = load_ask_split(Path(REPO_ROOT) / "evals" / "ask", "tune")
        self.cache = []
        for q in questions:
            prof = self.comp.analyse(q.question)
            qv = self.comp.encode(prof)
            self.cache.append((q, qv, ask_hits(self.curio, prof.expanded, qv[0], None, qv[1:])))
        scorer, original, harness = self.comp.scorer, SentenceScorer.score, self

        def score(self: SentenceScorer, prof, hits, units, qvecs) -> None:  # type: ignore[no-untyped-def]
            original(self, prof, hits, units, qvecs)
            wants = any(x in ("duration", "number", "date") for x in prof.wants)
            texts = [self.library.section_text(h.chunk) for h in hits]
            for u in units:
                extra = shape(self, texts[u.passage], u, wants)
                u.features.update(extra)
                u.score += sum(harness.extra.get(k, 0.0) * v for k, v in extra.items())

        scorer.score = score.__get__(scorer)  # type: ignore[method-assign]

    def use(self, rules: AskRules) -> None:
        c = self.comp
        c.rules = c.scorer.rules = c.writer.rules = rules

    def run(self, rules: AskRules, groups: Iterable[str]) -> dict[str, list[int]]:
        """Per group: [answerable, key fact found, answerable declined, near, near declined]."""
        self.use(rules)
        out: dict[str, list[int]] = {}
        for q, qv, hits in self.cache:
            g = group(q.id)
            if g not in groups:
                continue
            done = self.comp.compose(self.comp.analyse(q.question), hits, qv)
            a = self.comp.render(done, lambda hit: lens_question_for(self.curio, hit))
            row = out.setdefault(g, [0, 0, 0, 0, 0])
            if q.type == "answerable":
                row[0] += 1
                row[1] += not a.declined and any(p.search(a.text) for p in q.key_fact)
                row[2] += a.declined
            else:
                row[3] += 1
                row[4] += a.declined
        self.use(self.base)
        return out

    def candidates(self) -> list[tuple[AskQuestion, list[str], np.ndarray, np.ndarray]]:
        """Each answered tuning question's candidate sentences: features and key-fact labels."""
        self.use(self.base)
        rows = []
        for q, qv, hits in self.cache:
            if q.type != "answerable":
                continue
            prof = self.comp.analyse(q.question)
            done = self.comp.compose(prof, hits, qv)
            if done.declined:
                continue
            units = self.comp.units(done.hits)
            self.comp.score(prof, done.hits, units, qv)
            if not units:
                continue
            keys = sorted(units[0].features)
            x = np.array([[u.features[k] for k in keys] for u in units])
            y = np.array(
                [any(p.search(" ".join(u.text.split())) for p in q.key_fact) for u in units]
            )
            rows.append((q, keys, x, y.astype(float)))
        return rows


def fit(rows: list, names: list[str], ridge: float = 0.01, steps: int = 400) -> dict[str, float]:
    """Listwise logistic regression: raise the softmax share of the key-fact sentences."""
    keys = rows[0][1]
    idx = [keys.index(n) for n in names]
    data = [(x[:, idx], y) for _, _, x, y in rows if y.any() and not y.all()]
    stacked = np.concatenate([x for x, _ in data])
    mu, sd = stacked.mean(0), stacked.std(0) + 1e-6
    w = np.zeros(len(idx))
    for _ in range(steps):
        grad = ridge * w
        for x, y in data:
            z = (x - mu) / sd
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            want = p * y / (p * y).sum()
            grad -= (want - p) @ z / len(data)
        w -= 0.5 * grad
    return dict(zip(names, (w / sd).tolist(), strict=True))


def spread(weights: dict[str, float], rows: list) -> float:
    keys = rows[0][1]
    x = np.concatenate([r[2] for r in rows])
    return float(sum(x[:, keys.index(k)] * v for k, v in weights.items()).std())


def line(label: str, res: dict[str, list[int]]) -> None:
    parts = [
        f"{g} {r[1]}/{r[0]} (declined {r[2]}; near-domain declined {r[4]}/{r[3]})"
        for g in (*BLIND, "other")
        if (r := res.get(g))
    ]
    print(f"{label:<34} " + " | ".join(parts), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--supporting", default="", help="numbers of supporting sentences to try")
    ap.add_argument("--learn", action="store_true", help="fit weights, leave one split out")
    args = ap.parse_args()
    h = Harness()
    line("current rules", h.run(h.base, (*BLIND, "other")))
    for n in [int(x) for x in args.supporting.split(",") if x.strip()]:
        line(f"max_supporting={n}", h.run(dataclasses.replace(h.base, max_supporting=n), BLIND))
    if args.learn:
        rows = h.candidates()
        own = list(h.base.weights)
        for label, names in (
            ("learned, 8 features", own),
            ("learned, 16 features", own + list(SHAPE)),
        ):
            res: dict[str, list[int]] = {}
            for held in BLIND:
                train = [r for r in rows if group(r[0].id) != held]
                w = fit(train, names)
                scale = spread(h.base.weights, train) / (spread(w, train) or 1.0)
                weights = {k: w.get(k, 0.0) * scale for k in own}
                h.extra = {k: w[k] * scale for k in SHAPE if k in w}
                res.update(h.run(dataclasses.replace(h.base, weights=weights), (held,)))
                shown = {**weights, **h.extra}
                print(f"  held out {held}: " + ", ".join(f"{k} {v:.3f}" for k, v in shown.items()))
            h.extra = {}
            line(label + " (held out)", res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
