"""Score the case-at-a-glance extractor (assistant/casefile/) on hand-labelled texts.

``python -m evals.casefile --split tune`` (or ``--split test``) reads ``tune-*.yaml`` or
``test-*.yaml`` beside this file; the two splits never mix. The format is in README.md here.

Figures, each over the split's labels:
- people with the right role: a labelled person matched by an extracted one (by name, alias
  or the spans where they are mentioned) whose role is the same, over all labelled people;
- status right: seen, seen alone and checks, each compared for the matched family adults
  (not children, siblings or professionals); also the share of adults with all three right;
- dated events found: a labelled event whose date, as written, an extracted event has inside
  the labelled quote; in order: pairs of found events whose labelled ISO dates differ (and
  neither is a coarser form of the other) that the extractor lists in that order.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.casefile.match import match_people, norm, overlap
from assistant.errors import CurioError

FOLDER = Path(__file__).resolve().parent
SPLITS = ("tune", "test")
STATUS_SKIP = frozenset({"child", "sibling", "professional"})


def load_split(split: str, folder: Path = FOLDER) -> list[dict[str, Any]]:
    """The labelled texts of one split, checked: every quote must be in its text, an item's own
    ``split`` (where written) must be its file's, and ids are unique across the files, so a
    test text cannot slip into tuning under another file's name, nor one text's figures be
    read as another's."""
    if split not in SPLITS:
        raise CurioError(f"Unknown split {split!r}: use tune or test.")
    items: list[dict[str, Any]] = []
    seen_ids: dict[str, str] = {}
    files = sorted(folder.glob(f"{split}-*.yaml"))
    if not files:
        raise CurioError(f"No {split}-*.yaml files in {folder}.")
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(data, list):
            raise CurioError(f"{path.name} must be a list of labelled texts.")
        for item in data:
            if not isinstance(item, dict) or "text" not in item:
                raise CurioError(f"{path.name}: every item needs an id and a text.")
            if item.get("split", split) != split:
                raise CurioError(
                    f"{path.name} {item.get('id')}: split {item.get('split')!r} in a {split} file."
                )
            iid = str(item.get("id"))
            if iid in seen_ids:
                raise CurioError(f"{path.name}: id {iid} is already used in {seen_ids[iid]}.")
            seen_ids[iid] = path.name
            for ev in item.get("events") or []:
                if str(ev.get("quote", "")) not in item["text"]:
                    raise CurioError(
                        f"{path.name} {item.get('id')}: quote not in the text: {ev.get('quote')!r}"
                    )
            item["_file"] = path.name
            items.append(item)
    return items


@dataclass
class Tally:
    people: int = 0
    found: int = 0
    role_right: int = 0
    extracted: int = 0
    spurious: int = 0
    status_fields: int = 0
    status_right: int = 0
    adults: int = 0
    adults_all_right: int = 0
    events: int = 0
    events_found: int = 0
    iso_right: int = 0
    pairs: int = 0
    pairs_in_order: int = 0
    texts: int = 0
    texts_in_order: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for k, v in vars(other).items():
            if isinstance(v, list):
                getattr(self, k).extend(v)
            else:
                setattr(self, k, getattr(self, k) + v)

    @staticmethod
    def _pct(a: int, b: int) -> float | None:
        return round(100 * a / b, 1) if b else None

    def figures(self) -> dict[str, Any]:
        return {
            "people_right_role_pct": self._pct(self.role_right, self.people),
            "people_found_pct": self._pct(self.found, self.people),
            "status_right_pct": self._pct(self.status_right, self.status_fields),
            "adults_all_status_right_pct": self._pct(self.adults_all_right, self.adults),
            "events_found_pct": self._pct(self.events_found, self.events),
            "events_iso_right_pct": self._pct(self.iso_right, self.events_found),
            "event_pairs_in_order_pct": self._pct(self.pairs_in_order, self.pairs),
            "texts_fully_in_order_pct": self._pct(self.texts_in_order, self.texts),
            "extra_people_pct": self._pct(self.spurious, self.extracted),
            "counts": {
                "texts": self.texts,
                "people": self.people,
                "adults_for_status": self.adults,
                "events": self.events,
                "event_pairs": self.pairs,
            },
        }


def _date_key(s: Any) -> str:
    return norm(s).replace(" ", "")


#: A clock time after a date: writers differ on whether "as written" includes it
#: ("30/09/2024 21:15" or "25/08/2024" before "21:52"), so both forms name the same date.
_CLOCK = re.compile(r"\s+(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s*(?:hrs|hours|am|pm))?$")


#: Words around a date that writers differ on including "as written" ("since January" or
#: "January", "DOB 06/10/2024", "13/02/2025 at 22:50"): the date is the same either way.
_BEFORE_DATE = re.compile(
    r"^(?:(?:in|on|since|by|from|until|till|before|after|during|dated|DOB|D\.O\.B\.?|EDD|"
    r"born|the|of)\b[:.]?\s*)+",
    re.IGNORECASE,
)
_AT_CLOCK = re.compile(r"\s+at\s+(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s*(?:hrs|hours|am|pm))?$")


def _bare_date(s: str) -> str:
    return _CLOCK.sub("", _AT_CLOCK.sub("", _BEFORE_DATE.sub("", s))).strip()


def _same_date(labelled: Any, extracted: Any) -> bool:
    a, b = str(labelled).strip(), str(extracted).strip()
    return (
        _date_key(a) == _date_key(b)
        or _date_key(_CLOCK.sub("", a)) == _date_key(_CLOCK.sub("", b))
        or bool(_bare_date(a))
        and _date_key(_bare_date(a)) == _date_key(_bare_date(b))
    )


def _comparable(a: str, b: str) -> bool:
    return a != b and not a.startswith(b) and not b.startswith(a)


def score_item(item: dict[str, Any], case: dict[str, Any], seconds: float = 0.0) -> Tally:
    text = item["text"]
    t = Tally(texts=1, seconds=[seconds])
    gold = list(item.get("people") or [])
    found = case["people"]
    match = match_people(text, gold, found)
    t.people, t.found, t.extracted = len(gold), len(match), len(found)
    t.spurious = len(found) - len(match)
    for gi, g in enumerate(gold):
        if gi not in match:
            continue
        x = found[match[gi]]
        if x["role"] == g.get("role"):
            t.role_right += 1
        if g.get("role") in STATUS_SKIP:
            continue
        right = [
            bool(x["seen"]) == bool(g.get("seen")),
            bool(x["seen_alone"]) == bool(g.get("seen_alone")),
            set(x["checks"]) == set(g.get("checks") or []),
        ]
        t.adults += 1
        t.status_fields += 3
        t.status_right += sum(right)
        t.adults_all_right += all(right)
    events = list(item.get("events") or [])
    chronology = case["chronology"]
    t.events = len(events)
    found_at: dict[int, int] = {}
    for gi, g in enumerate(events):
        quote = str(g["quote"])
        q0 = text.find(quote)
        q = (q0, q0 + len(quote))
        for xi, e in enumerate(chronology):
            if xi in found_at.values() or not _same_date(g["date"], e["date"]):
                continue
            inside = q[0] <= e.get("date_start", e["start"]) and e.get("date_end", e["end"]) <= q[1]
            if inside or overlap((e["start"], e["end"]), q):
                found_at[gi] = xi
                break
    t.events_found = len(found_at)
    for gi, xi in found_at.items():
        if (events[gi].get("iso") or None) == (chronology[xi].get("iso") or None):
            t.iso_right += 1
        for gj, xj in found_at.items():
            if gj <= gi:
                continue
            a, b = events[gi].get("iso"), events[gj].get("iso")
            if not a or not b or not _comparable(str(a), str(b)):
                continue
            t.pairs += 1
            if (str(a) < str(b)) == (xi < xj):
                t.pairs_in_order += 1
    in_order = t.pairs == t.pairs_in_order
    t.texts_in_order = int(in_order and t.events_found == t.events)
    return t


def evaluate(
    split: str,
    folder: Path = FOLDER,
    held_out: bool = False,
    learned_status: bool = True,
    quick: bool = False,
    folds: int = 0,
) -> tuple[Tally, list[dict[str, Any]]]:
    """Score the split. ``held_out`` (tune only): each file scored by the role classifier and
    the status readers trained without it (leave one file out), so the learned parts are
    never scored on their own training labels. ``learned_status=False`` reads seen, seen
    alone and checks with the rules alone. ``quick`` (with ``held_out``): the status readers'
    training examples are read once a file, each with its own file's held-out role
    classifier, and joined per file left out, instead of every text read again for every
    file: several times faster, for trying changes; the role classifiers that read another
    file's examples did see the file left out's role labels, so confirm a kept change with
    the full scorer. ``folds`` (with ``held_out``): the files dealt into that many folds
    (sorted by name, dealt in turn) and each fold scored by a role classifier and status
    readers trained on the others: the scorer for readers too slow to train once a file
    (the boosted trees take minutes), and exact like the full one (nothing left out is
    read by any model that scores it)."""
    from assistant.casefile import extract_case, learn, learn_status, load_cues

    load_cues()  # read once, outside the timings
    models: dict[str, Any] = {}
    readers: dict[str, Any] = {}
    items = load_split(split, folder)
    if held_out and folds:
        names = sorted({i["_file"] for i in items})
        fold_of = {n: k % folds for k, n in enumerate(names)}
        for k in range(folds):
            kept = [i for i in items if fold_of[i["_file"]] != k]
            roles_k = learn.fit_roles(learn.training_examples(kept)) if kept else None
            status_k = learn_status.fit(kept, roles_k) if kept and learned_status else None
            for n in names:
                if fold_of[n] == k:
                    models[n], readers[n] = roles_k, status_k
    elif held_out:
        names = sorted({i["_file"] for i in items})
        # each file's training examples read once (the extraction dominates), then joined in
        # the same order as learn.labelled_texts(skip=[name]) would give them
        by_file = {n: [i for i in items if i["_file"] == n] for n in names}
        examples = {n: learn.training_examples(by_file[n]) for n in names}
        for name in names:
            kept_examples = [e for n in names if n != name for e in examples[n]]
            models[name] = learn.fit_roles(kept_examples) if kept_examples else None
            if learned_status and not quick:
                kept = [i for n in names if n != name for i in by_file[n]]
                readers[name] = learn_status.fit(kept, models[name]) if kept else None
        if learned_status and quick:
            status_ex = {n: learn_status.training_examples(by_file[n], models[n]) for n in names}
            for name in names:
                joined: dict[str, list[tuple[dict[str, float], bool]]] = {
                    k: [e for n in names if n != name for e in status_ex[n][k]]
                    for k in learn_status.FIELDS
                }
                readers[name] = learn_status.fit_examples(joined)
    else:
        learn.role_model()  # the learned role classifier: trained or read from the cache once
        if learned_status:
            learn_status.status_model()  # and the status readers
    total = Tally()
    rows = []
    for item in items:
        roles = models[item["_file"]] if held_out else "learned"
        status = (readers.get(item["_file"]) if held_out else "learned") if learned_status else None
        t0 = time.perf_counter()
        case = extract_case(item["text"], roles=roles, status=status).to_json()
        elapsed = time.perf_counter() - t0
        t = score_item(item, case, elapsed)
        total.add(t)
        gold = list(item.get("people") or [])
        match = match_people(item["text"], gold, case["people"])
        misses = []
        for gi, g in enumerate(gold):
            if gi not in match:
                misses.append(f"missed {g.get('name')} ({g.get('role')})")
                continue
            x = case["people"][match[gi]]
            if x["role"] != g.get("role"):
                misses.append(f"{g.get('name')}: role {x['role']} not {g.get('role')}")
            if g.get("role") not in STATUS_SKIP:
                for key in ("seen", "seen_alone"):
                    if bool(x[key]) != bool(g.get(key)):
                        misses.append(f"{g.get('name')}: {key} {x[key]}")
                if set(x["checks"]) != set(g.get("checks") or []):
                    misses.append(f"{g.get('name')}: checks {x['checks']} not {g.get('checks')}")
        extra = [x["name"] for xi, x in enumerate(case["people"]) if xi not in match.values()]
        rows.append(
            {
                "id": item.get("id"),
                "file": item["_file"],
                "figures": t.figures(),
                "problems": misses,
                "extra_people": extra,
                "events_missed": [
                    e["date"]
                    for gi, e in enumerate(item.get("events") or [])
                    if not _found_event(item, case, gi)
                ],
                "ms": round(elapsed * 1000, 1),
                "_tally": t,
            }
        )
    return total, rows


def _found_event(item: dict[str, Any], case: dict[str, Any], gi: int) -> bool:
    one = dict(item, events=[item["events"][gi]], people=[])
    return score_item(one, case).events_found == 1


def per_file(rows: list[dict[str, Any]]) -> list[str]:
    """One line of figures per labelled file (from the rows' per-text tallies)."""
    out = []
    for name in sorted({r["file"] for r in rows}):
        t = Tally()
        for r in rows:
            if r["file"] == name:
                t.add(r["_tally"])
        f = t.figures()
        out.append(
            f"  {name:12} role {f['people_right_role_pct']}%  status {f['status_right_pct']}% "
            f"(all three {f['adults_all_status_right_pct']}%, {f['counts']['adults_for_status']}"
            f" adults)  events {f['events_found_pct']}%  order {f['event_pairs_in_order_pct']}%"
        )
    return out


def render(split: str, total: Tally, rows: list[dict[str, Any]], verbose: bool = False) -> str:
    f = total.figures()
    lines = [
        f"case-file extraction, split {split}: {f['counts']['texts']} texts, "
        f"{f['counts']['people']} people, {f['counts']['events']} dated events",
        f"  people with the right role   {f['people_right_role_pct']}%  "
        f"(found at all {f['people_found_pct']}%; extra people {f['extra_people_pct']}%)",
        f"  status right (seen, alone, checks; {f['counts']['adults_for_status']} adults)  "
        f"{f['status_right_pct']}%  (all three right {f['adults_all_status_right_pct']}%)",
        f"  dated events found           {f['events_found_pct']}%  "
        f"(ISO right {f['events_iso_right_pct']}%)",
        f"  found events in order        {f['event_pairs_in_order_pct']}% of "
        f"{f['counts']['event_pairs']} pairs; texts fully found and in order "
        f"{f['texts_fully_in_order_pct']}%",
        f"  extraction time per text     max {max(total.seconds) * 1000:.1f} ms",
        "  by file:",
        *per_file(rows),
    ]
    if verbose:
        for r in rows:
            if r["problems"] or r["events_missed"] or r["extra_people"]:
                lines.append(f"- {r['id']} ({r['ms']} ms)")
                lines += [f"    {p}" for p in r["problems"]]
                if r["events_missed"]:
                    lines.append(f"    events missed: {r['events_missed']}")
                if r["extra_people"]:
                    lines.append(f"    extra people: {r['extra_people']}")
    return "\n".join(lines)
