"""Seen, seen alone and checks read again by the configured language model, each answer quoted.

Why: the offline readers of status sit near 88% on text nobody here wrote; what they miss are
mostly checks that no place in the sentence joins to the person ("PNC: nil trace" two lines
below his name, a previous council's reply, a disclosure made to her about him). A model that
reads the whole draft can join those. It is asked only with ``CURIO_CASE_LLM=true`` and a
configured ``CURIO_LLM``; the draft is redacted first when that model is remote.

The model never adds anything the draft does not say: every "yes" it gives (seen, seen alone,
each check) must come with a quote that is found in the text it was sent, or that "yes" is
dropped. A person the answer leaves out keeps the offline reading, and any failure (a time-out,
an answer that is not JSON, a model error) leaves the whole offline reading in place with a
one-line note: the table is never lost to the model.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.casefile.model import CHECKS, CaseFile, Person

#: The template in ``prompts/`` and what it must contain (checked at start-up with the others).
TEMPLATE = "casefile_status"


class SupportsRender(Protocol):
    """The loaded prompts (``assistant.prompts.Prompts``)."""

    @property
    def system(self) -> str: ...

    def render(self, name: str, **values: str) -> str: ...


class SupportsRedact(Protocol):
    """What a redactor does here (``assistant.redact.Redactor``): one placeholder per value."""

    def redact(self, text: str) -> str: ...


#: Runs a chat model on messages within a deadline and yields its text (``llm.stream_with_deadline``
#: in use; tests hand in a plain function).
Runner = Callable[[Any, Sequence[BaseMessage], float], Iterable[str]]


@dataclass
class Reading:
    """What the model's answer, once checked, says about one adult."""

    seen: bool = False
    seen_alone: bool = False
    checks: list[str] = field(default_factory=list)
    dropped: int = 0  # "yes" answers whose quote was not found in the text sent


@dataclass
class Outcome:
    """The case file after the model's reading, and what to tell the practitioner about it."""

    case: CaseFile
    read: int = 0  # adults the model's answer covered
    note: str = ""  # one line: by whom status was read, or why the offline reading stands


def adults(case: CaseFile) -> list[Person]:
    """The people whose status the model is asked about: family adults the reading found."""
    return [p for p in case.people if p.is_family_adult]


def build_messages(
    case: CaseFile,
    text: str,
    prompts: SupportsRender,
    redactor: SupportsRedact | None = None,
) -> tuple[list[BaseMessage], str]:
    """The system and user messages, and the draft as sent (redacted when ``redactor``):
    each adult is listed as A1, A2... with the name and role the offline reading gave."""
    from assistant.prompts import data_block

    def hide(s: str) -> str:
        return redactor.redact(s) if redactor is not None else s

    sent = hide(text)
    lines = []
    for i, p in enumerate(adults(case), 1):
        also = [a for a in p.aliases if a != p.name][:4]
        known = f" (also written {', '.join(hide(a) for a in also)})" if also else ""
        lines.append(f"A{i}: {hide(p.name)}, {p.role}{known}")
    user = prompts.render(TEMPLATE, people="\n".join(lines), draft=data_block("draft", sent))
    return [SystemMessage(content=prompts.system), HumanMessage(content=user)], sent


def _squash(s: str) -> str:
    return " ".join(s.replace("’", "'").replace("‘", "'").split()).casefold()


def quoted(quote: Any, sent: str) -> bool:
    """Is the quote, spaces and case aside, in the text the model was sent? Models shorten
    long quotes with "..." : then every piece must be there, in order. A piece under three
    characters proves nothing, so an empty quote never stands."""
    if not isinstance(quote, str):
        return False
    pieces = [_squash(p.strip(" \"'.")) for p in re.split(r"\.{3,}|…", quote)]
    pieces = [p for p in pieces if p]
    if not pieces or any(len(p) < 3 for p in pieces):
        return False
    text, at = _squash(sent), 0
    for piece in pieces:
        found = text.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def _yes(value: Any) -> bool:
    """JSON true, or the strings models write for it."""
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


def _json_object(raw: str) -> Any:
    """The first JSON object in the answer (models wrap JSON in prose or ``` fences)."""
    start = raw.find("{")
    if start < 0:
        raise ValueError("no JSON object in the answer")
    obj, _ = json.JSONDecoder().raw_decode(raw[start:])
    return obj


def parse_answer(raw: str, sent: str, ids: Sequence[str]) -> dict[str, Reading]:
    """Each listed adult's reading from the model's answer; every "yes" checked against the
    text sent. Raises ValueError when the answer is not the JSON asked for."""
    obj = _json_object(raw)
    rows = obj.get("people") if isinstance(obj, dict) else None
    if not isinstance(rows, list):
        raise ValueError('the answer has no "people" list')
    known = set(ids)
    out: dict[str, Reading] = {}
    for row in rows:
        if not isinstance(row, dict) or str(row.get("id", "")).strip() not in known:
            continue
        r = Reading()
        for key in ("seen", "seen_alone"):
            if _yes(row.get(key)):
                if quoted(row.get(f"{key}_quote"), sent):
                    setattr(r, key, True)
                else:
                    r.dropped += 1
        for item in row.get("checks") or []:
            if not isinstance(item, dict):
                continue
            kind = str(item.get("check", "")).strip().lower().replace(" ", "-")
            if kind not in CHECKS or kind in r.checks:
                continue
            if quoted(item.get("quote"), sent):
                r.checks.append(kind)
            else:
                r.dropped += 1
        if r.seen_alone and not r.seen:
            r.seen = True  # spoken to alone in person is seen; the quote shows both
        out[str(row["id"]).strip()] = r
    return out


def read_status(
    case: CaseFile,
    text: str,
    model: Any,
    prompts: SupportsRender,
    *,
    run: Runner,
    timeout: float,
    redactor: SupportsRedact | None = None,
    name: str = "the configured model",
) -> Outcome:
    """The case file with seen, seen alone and checks as the model read them, where its
    answer covers an adult; otherwise the offline reading, with a note saying why."""
    people = adults(case)
    if not people:
        return Outcome(case=case)
    messages, sent = build_messages(case, text, prompts, redactor)
    try:
        raw = "".join(run(model, messages, timeout))
        readings = parse_answer(raw, sent, [f"A{i}" for i in range(1, len(people) + 1)])
    except TimeoutError:
        return Outcome(case, note=f"Status is the offline reading: {name} did not answer in time.")
    except ValueError as exc:
        return Outcome(
            case, note=f"Status is the offline reading: {name}'s answer was unusable ({exc})."
        )
    except Exception as exc:  # a provider's error; the table stands without the model
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Outcome(case, note=f"Status is the offline reading: {name} failed ({first[:120]}).")
    out = copy.deepcopy(case)
    fresh = adults(out)
    for i, person in enumerate(fresh, 1):
        r = readings.get(f"A{i}")
        if r is None:
            continue
        person.seen, person.seen_alone, person.checks = r.seen, r.seen_alone, list(r.checks)
    covered = len(readings)  # only the ids listed are kept
    note = (
        f"Seen, seen alone and checks for {covered} of {len(fresh)} adults were read by {name}; "
        "each rests on a quote found in the draft."
    )
    dropped = sum(r.dropped for r in readings.values())
    if dropped:
        note += f" {dropped} of its answers quoted nothing found in the draft and were set aside."
    return Outcome(out, read=covered, note=note)


def read_with_backend(
    case: CaseFile, text: str, backend: Any, prompts: SupportsRender, timeout: float
) -> Outcome:
    """``read_status`` with a configured backend (``assistant.llm.Backend``): its stream run
    within the time-out, and the draft redacted first when the model is not on this machine."""
    from assistant.llm import stream_with_deadline
    from assistant.redact import Redactor

    return read_status(
        case,
        text,
        backend.model,
        prompts,
        run=stream_with_deadline,
        timeout=timeout,
        redactor=None if backend.local else Redactor(),
        name=backend.name,
    )


class StatusAudit(Protocol):
    """Where a line saying the model was asked goes (``audit.AuditLog``); never the text."""

    def case_status(
        self, *, model: str, input_text: str, asked: int, read: int, session: str = ""
    ) -> None: ...


def status_reader(
    backend: Any,
    prompts: Any,
    timeout: float,
    audit: StatusAudit | None = None,
    session: str = "",
) -> Callable[[CaseFile, str], Outcome]:
    """What the CLI and the app call after the offline reading when ``CURIO_CASE_LLM`` is on;
    with no model configured it returns the offline case with a one-line note. ``prompts``:
    the loaded prompts, or a function that loads them (only when a model is asked). Each time a
    model is asked, ``audit`` gets one line (a DPIA wants to know the draft went to a model),
    with the app's ``session`` id."""

    def reread(case: CaseFile, text: str) -> Outcome:
        if not adults(case):
            return Outcome(case)
        if backend is None:
            return Outcome(
                case,
                note="CURIO_CASE_LLM is on but CURIO_LLM is none: status is the offline reading.",
            )
        loaded = prompts() if callable(prompts) else prompts
        outcome = read_with_backend(case, text, backend, loaded, timeout)
        if audit is not None:
            with contextlib.suppress(OSError):  # a full disk must not lose the reading
                audit.case_status(
                    model=str(getattr(backend, "name", "model")),
                    input_text=text,
                    asked=len(adults(case)),
                    read=outcome.read,
                    session=session,
                )
        return outcome

    return reread
