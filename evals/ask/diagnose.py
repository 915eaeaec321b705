"""Why did `curio ask` miss a tuning question? One block per failing answerable question.

    PYTHONPATH=$PWD python evals/ask/diagnose.py [ID ...]
    PYTHONPATH=$PWD python evals/ask/diagnose.py --summary


For each answerable question of ``evals/ask/tune.jsonl`` whose answer lacks the key fact (or
the named IDs, passing or not) it prints the question's types and key terms, whether it was
declined and why, which corpus files hold the key fact at all, which retrieved sections hold
it, and where the best sentence holding it ranked among the scored sentences. ``--summary``
sorts every miss of the blind-written prefixes instead (see ``category``) and prints the counts.
Tuning only: the
development and test splits are scored by their totals (`curio eval --ask`), never read here.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from assistant.ask_eval import blind_groups, load_ask_split
from assistant.chat import build_curio
from assistant.chat.modes.ask import ask_hits
from assistant.settings import REPO_ROOT, Settings

BLIND = blind_groups(load_ask_split(REPO_ROOT / "evals" / "ask", "tune"))

#: Why an answerable question missed, from the most to the least remote cause.
CATEGORIES = {
    "a": "the key fact is not in the library at all",
    "b": "the library holds it, but no retrieved section does",
    "c": "a retrieved section holds it, but another sentence was chosen or the answer ended first",
    "d": "declined",
}


def category(declined: bool, in_library: bool, in_sections: bool) -> str:
    """Sort a miss: declined first (nothing was quoted), then where the key fact stopped."""
    if declined:
        return "d"
    if not in_library:
        return "a"
    return "c" if in_sections else "b"


def _flat(text: str) -> str:
    return " ".join(text.split())


def main(ids: list[str], summary: bool = False) -> int:
    curio = build_curio(Settings())
    curio.audit = None
    comp = curio.composer
    comp.warm()
    corpus = {
        p.name: _flat(p.read_text(encoding="utf-8")) for p in (REPO_ROOT / "corpus").glob("*.md")
    }
    counts: dict[str, Counter[str]] = {}
    for q in load_ask_split(Path(REPO_ROOT) / "evals" / "ask", "tune"):
        if q.type != "answerable" or (ids and q.id not in ids):
            continue
        if summary and not q.id.startswith(BLIND):
            continue
        prof = comp.analyse(q.question)
        qvecs = comp.encode(prof)
        hits = ask_hits(curio, prof.expanded, qvecs[0], None, qvecs[1:])
        done = comp.compose(prof, hits, qvecs)
        answer = comp.render(done)
        found = not answer.declined and any(p.search(answer.text) for p in q.key_fact)
        if found and not ids:
            continue

        def holds(text: str, facts: tuple = q.key_fact) -> bool:
            return any(p.search(_flat(text)) for p in facts)

        if summary:
            cat = category(
                answer.declined,
                any(holds(t) for t in corpus.values()),
                any(holds(comp.library.section_text(h.chunk)) for h in hits),
            )
            counts.setdefault(q.id[:4], Counter())[cat] += 1
            print(f"{q.id} ({cat}): {q.question[:90]}")
            continue

        print(f"===== {q.id}: {q.question}")
        print(f"  found {found}; types {[t.name for t in prof.types]}; terms {prof.terms}")
        print(f"  declined {done.declined} ({done.reason or '-'}), support {done.support:.3f}")
        print(f"  corpus files holding the key fact: {[n for n, t in corpus.items() if holds(t)]}")
        for i, h in enumerate(hits):
            mark = "KF" if holds(comp.library.section_text(h.chunk)) else "  "
            print(f"  hit {i} {mark} {h.relevance:.3f} {h.chunk.source} / {h.chunk.section[:60]}")
        if done.declined:
            continue
        units = comp.units(done.hits)
        comp.score(prof, done.hits, units, qvecs)
        units.sort(key=lambda u: -u.score)
        print(f"  key terms {prof.key_terms}")
        for rank, u in enumerate(units):
            if rank < 3 or holds(u.text):
                feats = {k: round(v, 2) for k, v in u.features.items()}
                mark = "KF" if holds(u.text) else "  "
                print(f"   #{rank} {mark} {u.score:.3f} {feats} {u.text[:140]}")
                if holds(u.text) and rank >= 3:
                    break
    if summary:
        total: Counter[str] = sum(counts.values(), Counter())
        for prefix, c in sorted(counts.items()):
            print(f"{prefix}: " + ", ".join(f"({k}) {c[k]}" for k in CATEGORIES))
        print("all:  " + ", ".join(f"({k}) {total[k]}" for k in CATEGORIES))
        for k, v in CATEGORIES.items():
            print(f"  ({k}) {v}")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ids", nargs="*", help="question ids to show, passing or not")
    ap.add_argument("--summary", action="store_true", help="sort the blind splits' misses")
    args = ap.parse_args()
    raise SystemExit(main(args.ids, args.summary))
