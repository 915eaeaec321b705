"""How far a second careful reader agrees with the writers' labels.

``python -m evals.casefile.agreement`` scores each file in ``second-reader/`` (people labelled
again, from the text alone, by sessions that never saw the writers' labels or the extractor)
against the labels of the tuning file of the same name, with the extractor's own scorer. It
tells what the status target asks for: if two careful readers disagreed on a tenth of the
status fields, 90% would be out of reach for any reader; they agree on far more
(evals/casefile/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from assistant.casefile.match import occurrences
from assistant.errors import CurioError
from evals.casefile import FOLDER, Tally, load_split, score_item

SECOND = FOLDER / "second-reader"


def as_extracted(text: str, people: list[dict[str, Any]]) -> dict[str, Any]:
    """A reader's labels in the shape the extractor's JSON has (evidence: where each name or
    alias stands), so ``score_item`` compares them as it compares the extractor's."""
    found = []
    for q in people:
        aliases = [str(a) for a in q.get("aliases") or []]
        spans = [sp for f in [q.get("name", ""), *aliases] for sp in occurrences(text, f)]
        found.append(
            {
                "name": q.get("name", ""),
                "aliases": aliases,
                "evidence": [{"start": a, "end": b} for a, b in spans],
                "role": q.get("role"),
                "seen": bool(q.get("seen")),
                "seen_alone": bool(q.get("seen_alone")),
                "checks": list(q.get("checks") or []),
            }
        )
    return {"people": found, "chronology": []}


def agreement(file: Path, folder: Path = FOLDER) -> Tally:
    """The second reader's labels in ``file`` scored against the writers' in ``folder``."""
    writers = {i["id"]: i for i in load_split("tune", folder) if i["_file"] == file.name}
    total = Tally()
    for item in yaml.safe_load(file.read_text(encoding="utf-8")) or []:
        gold = writers.get(item["id"])
        if gold is not None:
            total.add(score_item(gold, as_extracted(gold["text"], item.get("people") or [])))
    return total


def main() -> int:
    for file in sorted(SECOND.glob("tune-*.yaml")):
        try:
            f = agreement(file).figures()
        except (CurioError, yaml.YAMLError, OSError) as exc:
            message = exc.message if isinstance(exc, CurioError) else str(exc).splitlines()[0]
            print(f"evals.casefile.agreement: {file.name}: {message}", file=sys.stderr)
            return 2
        print(
            f"{file.name}: {f['counts']['texts']} texts; role {f['people_right_role_pct']}%,"
            f" status {f['status_right_pct']}% (all three {f['adults_all_status_right_pct']}%,"
            f" {f['counts']['adults_for_status']} adults)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
