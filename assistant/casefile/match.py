"""Which labelled person is which extracted one: shared by the scorer (evals/casefile) and the
role classifier's training (``learn``), so both read the labels the same way."""

from __future__ import annotations

import re
from typing import Any


def norm(s: Any) -> str:
    """Lower case, punctuation to spaces, curly apostrophes straight."""
    return " ".join(re.sub(r"[^\w']+", " ", str(s).replace("’", "'").lower()).split())


def occurrences(text: str, form: str) -> list[tuple[int, int]]:
    """Where a name or alias stands in the text (short forms like "M" in capitals only)."""
    form = str(form).strip()
    if not form:
        return []
    flags = 0 if len(form) <= 3 else re.IGNORECASE
    pat = re.compile(r"(?<![\w'’])" + re.escape(form) + r"(?![\w])", flags)
    return [m.span() for m in pat.finditer(text)]


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def match_people(
    text: str, gold: list[dict[str, Any]], found: list[dict[str, Any]]
) -> dict[int, int]:
    """Labelled person index -> extracted person index, one to one, most evidence first."""
    pairs: list[tuple[float, int, int]] = []
    for gi, g in enumerate(gold):
        forms = [g.get("name", "")] + list(g.get("aliases") or [])
        gforms = {norm(f) for f in forms if f}
        gspans = [sp for f in forms for sp in occurrences(text, f)]
        for xi, x in enumerate(found):
            xforms = {norm(f) for f in [x["name"], *x.get("aliases", [])]}
            score = 3.0 if gforms & xforms else 0.0
            spans = [(e["start"], e["end"]) for e in x.get("evidence", [])]
            score += sum(1 for s in spans if any(overlap(s, g2) for g2 in gspans))
            if score > 0:
                pairs.append((score, gi, xi))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _score, gi, xi in pairs:
        if gi in out or xi in used:
            continue
        out[gi] = xi
        used.add(xi)
    return out
