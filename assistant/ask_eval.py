"""Score ``curio ask`` on labelled questions: does the answer hold the key fact, and does it
decline what the library cannot know?

Questions live in ``evals/ask/<split>.jsonl``, one JSON object a line::

    {"id": "...", "question": "...", "type": "answerable" | "near-domain",
     "key_fact": ["regex", ...], "note": "..."}

An answerable question passes when the answer is not declined and any ``key_fact`` pattern
(case-insensitive) matches the answer text; a near-domain question passes when it is declined.
The split name picks exactly one file, so tuning on ``tune`` never reads ``dev`` or ``test``
(``test`` is written by people who have not seen the composer, and is scored once).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import CurioError
from assistant.runtime import Parts

ASK_SPLITS = ("tune", "dev", "test")
QUESTION_TYPES = ("answerable", "near-domain")
_KEYS = {"id", "question", "type", "key_fact", "note"}


@dataclass(frozen=True)
class AskQuestion:
    id: str
    question: str
    type: str
    key_fact: tuple[re.Pattern[str], ...]
    note: str = ""


def _row(raw: Any, where: str) -> AskQuestion:
    if not isinstance(raw, dict):
        raise CurioError(f"{where}: each line must be a JSON object.")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise CurioError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {sorted(_KEYS)}.")
    for key in ("id", "question"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CurioError(f"{where}: '{key}' must be a non-empty string.")
    kind = raw.get("type")
    if kind not in QUESTION_TYPES:
        raise CurioError(f"{where}: 'type' must be answerable or near-domain, not {kind!r}.")
    facts = raw.get("key_fact", [])
    if not isinstance(facts, list) or not all(isinstance(f, str) and f for f in facts):
        raise CurioError(f"{where}: 'key_fact' must be a list of regular expressions.")
    if kind == "answerable" and not facts:
        raise CurioError(f"{where}: an answerable question needs at least one key_fact.")
    patterns = []
    for f in facts:
        try:
            patterns.append(re.compile(f, re.I))
        except re.error as exc:
            raise CurioError(f"{where}: key_fact {f!r} is not a valid regex ({exc}).") from exc
    note = raw.get("note", "")
    return AskQuestion(
        id=raw["id"].strip(),
        question=raw["question"],
        type=kind,
        key_fact=tuple(patterns),
        note=str(note or ""),
    )


#: Ids of questions written blind (by sessions that never saw the composer) start "aq-" and a
#: letter naming their group; the older tuning questions written with the composer do not.
BLIND_ID = re.compile(r"aq-[a-z]")


def blind_groups(questions: list[AskQuestion]) -> tuple[str, ...]:
    """The blind-written groups among tuning questions ("aq-t", "aq-v", ...), in first-seen order,
    so the tuning tools score each group apart without a hand-kept list."""
    seen: dict[str, None] = {}
    for q in questions:
        m = BLIND_ID.match(q.id)
        if m:
            seen.setdefault(m.group(0), None)
    return tuple(seen)


def ask_split_path(folder: Path | str, split: str) -> Path:
    """The one file a split name stands for."""
    if split not in ASK_SPLITS:
        raise CurioError(f"Unknown ask split {split!r}: use {', '.join(ASK_SPLITS)}.")
    return Path(folder) / f"{split}.jsonl"


def load_ask_split(folder: Path | str, split: str) -> list[AskQuestion]:
    """Read and check one split's questions (bad lines are reported with their line number)."""
    path = ask_split_path(folder, split)
    if not path.is_file():
        extra = " (the test split is written separately, by people who have not seen Curio)"
        raise CurioError(
            f"No ask questions for the {split} split at {path}"
            + (extra if split == "test" else "")
            + "."
        )
    out: list[AskQuestion] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CurioError(f"{path.name} is not UTF-8 text.") from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CurioError(f"{where}: not valid JSON ({exc.msg}).") from exc
        out.append(_row(raw, where))
    ids = [q.id for q in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CurioError(f"{path.name}: duplicate id(s) {', '.join(dupes)}.")
    if not out:
        raise CurioError(f"{path.name} holds no questions.")
    return out


@dataclass
class AskResult:
    split: str
    answerable: int = 0
    key_fact_found: int = 0
    answerable_declined: int = 0
    near_domain: int = 0
    near_domain_declined: int = 0
    seconds: list[float] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def _pct(n: int, d: int) -> float | None:
        return round(100.0 * n / d, 1) if d else None

    @property
    def key_fact_pct(self) -> float | None:
        return self._pct(self.key_fact_found, self.answerable)

    @property
    def in_domain_declined_pct(self) -> float | None:
        return self._pct(self.answerable_declined, self.answerable)

    @property
    def near_domain_declined_pct(self) -> float | None:
        return self._pct(self.near_domain_declined, self.near_domain)

    def latency_ms(self, q: float) -> float | None:
        if not self.seconds:
            return None
        ordered = sorted(self.seconds)
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "key_fact_found_pct": self.key_fact_pct,
            "in_domain_declined_pct": self.in_domain_declined_pct,
            "near_domain_declined_pct": self.near_domain_declined_pct,
            "answerable": self.answerable,
            "key_fact_found": self.key_fact_found,
            "answerable_declined": self.answerable_declined,
            "near_domain": self.near_domain,
            "near_domain_declined": self.near_domain_declined,
            "latency_ms": {
                "p50": round(1000 * statistics.median(self.seconds), 1) if self.seconds else None,
                "p95": self.latency_ms(0.95),
            },
            "questions": self.rows,
        }


def evaluate_ask(curio: Any, questions: list[AskQuestion], split: str = "") -> AskResult:
    """Ask every question (one untimed warm-up first) and tally the three figures."""
    res = AskResult(split=split)
    if questions:
        curio.ask(questions[0].question)  # loads lazily built parts; not timed
    for q in questions:
        start = time.perf_counter()
        answer = curio.ask(q.question)
        res.seconds.append(time.perf_counter() - start)
        found = not answer.declined and any(p.search(answer.text) for p in q.key_fact)
        if q.type == "answerable":
            res.answerable += 1
            res.key_fact_found += found
            res.answerable_declined += answer.declined
            ok = found
        else:
            res.near_domain += 1
            res.near_domain_declined += answer.declined
            ok = answer.declined
        res.rows.append(
            {
                "id": q.id,
                "type": q.type,
                "passed": bool(ok),
                "declined": answer.declined,
                "key_fact_found": bool(found),
                "answer": answer.text,
            }
        )
    return res


def _fmt(x: float | None, unit: str = "%") -> str:
    return "-" if x is None else f"{x:g}{unit}"


def render_ask_text(res: AskResult, verbose: bool = False) -> str:
    lines = [
        f"ask evaluation, split {res.split}: {res.answerable} answerable, "
        f"{res.near_domain} near-domain questions",
        f"key fact found        {_fmt(res.key_fact_pct):>7}  "
        f"({res.key_fact_found}/{res.answerable})   target >= 90%",
        f"in-domain declined    {_fmt(res.in_domain_declined_pct):>7}  "
        f"({res.answerable_declined}/{res.answerable})   target <= 5%",
        f"near-domain declined  {_fmt(res.near_domain_declined_pct):>7}  "
        f"({res.near_domain_declined}/{res.near_domain})   target >= 90%",
        f"ask latency           p50 {_fmt(res.to_json()['latency_ms']['p50'], ' ms')}, "
        f"p95 {_fmt(res.latency_ms(0.95), ' ms')}   target p95 <= 300 ms",
    ]
    failed = [r for r in res.rows if not r["passed"]]
    if failed:
        lines.append("")
        lines.append("questions that failed:")
        for r in failed:
            why = (
                "declined"
                if r["type"] == "answerable" and r["declined"]
                else "key fact missing"
                if r["type"] == "answerable"
                else "answered"
            )
            lines.append(f"  {r['id']} ({r['type']}): {why}")
            if verbose:
                lines += ["      " + x for x in r["answer"].splitlines()]
    return "\n".join(lines)


def run_ask(parts: Parts, split: str = "dev", as_json: bool = False, verbose: bool = False) -> int:
    """What ``curio eval --ask`` does; returns the exit code."""
    questions = load_ask_split(Path(parts.settings.evals_dir) / "ask", split)
    curio = parts.curio
    curio.audit = None  # scoring is not use: no audit lines
    # timings are of warm asks: sentence vectors of the whole library first, as the app does
    # at start-up (a cold first ask of a section encodes its sentences, up to a second or two)
    print("preparing the guidance sentences (once per library)...", file=sys.stderr, flush=True)
    curio.composer.warm()
    res = evaluate_ask(curio, questions, split)
    if as_json:
        print(json.dumps(res.to_json(), indent=2, ensure_ascii=False))
    else:
        print(render_ask_text(res, verbose))
    sys.stdout.flush()
    return 0
