"""The case at a glance in the app and in the exported checklist: one formatter for each.

Everything from the draft is html-escaped here, as in the rest of the app. The practitioner's
corrections (a role, two mentions merged) and decisions on flags are kept per browser session in
``CaseSession``; they are replayed on every new extraction, so a correction holds for the
session. Typed decision reasons go into the export only, never into the audit log.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.casefile import (
    CHILD_ROLES,
    NO_DATES,
    NO_PEOPLE,
    NOT_A_FAMILY,
    ROLES,
    SOURCE_WORDS,
    CaseFile,
    case_for_review,
    check_words,
    correct_role,
    merge_people,
    role_words,
)
from assistant.types import Flag

#: The practitioner's decision on a flag, as shown and as kept.
DECISIONS: dict[str, str] = {
    "Will act": "will-act",
    "Already covered": "already-covered",
    "Not relevant": "not-relevant",
}
DECISION_WORDS = {v: k for k, v in DECISIONS.items()}
ROLE_CHOICES = [(role_words(r), r) for r in ROLES]
SOURCE_COLOURS = {
    "parent": "#fde68a",
    "professional": "#bfdbfe",
    "agency": "#bbf7d0",
    "child": "#fbcfe8",
}

CSS = """
.curio-case {font-size: 0.85rem; max-height: 640px; overflow: auto; padding-right: 4px;}
.curio-case table {border-collapse: collapse; width: 100%; margin-bottom: 8px;
  table-layout: fixed; font-size: 0.8rem;}
.curio-case th, .curio-case td {border-bottom: 1px solid var(--border-color-primary);
  padding: 3px 4px; text-align: left; vertical-align: top; overflow-wrap: anywhere;}
.curio-case th:nth-child(1) {width: 28%;} .curio-case th:nth-child(2) {width: 17%;}
.curio-case th:nth-child(3) {width: 12%;}
.curio-case th:nth-child(4), .curio-case th:nth-child(5) {width: 11%;}
.curio-case .badge {font-size: 0.7rem; padding: 0 4px; border-radius: 6px;
  background: #fecaca; color: #7f1d1d; white-space: nowrap;}
.curio-case tr.concern td {background: #fef2f2;}
.curio-case .no {color: #b91c1c; font-weight: 600;}
.curio-case .yes {color: #065f46;}
.curio-case .src {font-size: 0.72rem; padding: 0 5px; border-radius: 8px; color: #111827;
  white-space: nowrap;}
.curio-case .parent-only {color: #b91c1c; font-weight: 600;}
.curio-case ul {margin: 2px 0 6px 16px;}
.curio-decisions td, .curio-decisions th {padding: 2px 6px;
  border-bottom: 1px solid var(--border-color-primary);}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^\w']+", " ", name.lower()).split())


@dataclass
class Decision:
    mark: str  # will-act | already-covered | not-relevant
    reason: str = ""  # typed by the practitioner: export only


@dataclass
class CaseSession:
    """One session's case model: the latest extraction and the practitioner's corrections."""

    case: CaseFile | None = None
    roles: dict[str, str] = field(default_factory=dict)  # normalised name -> corrected role
    merges: list[tuple[str, str]] = field(default_factory=list)  # (kept, merged) names
    decisions: dict[str, Decision] = field(default_factory=dict)  # lens -> decision
    text: str = ""  # the draft the case was read from
    status_note: str = ""  # who read seen and checks, when a model was asked

    def extract(
        self, text: str, cues: Any = None, about_family: bool = True, reread: Any = None
    ) -> CaseFile:
        """Read a new draft and replay this session's corrections on it (nothing is read
        from a text the review found not to be about a family). ``reread``: the model's
        quoted reading of status (``llm_status.status_reader``), when the user turned it on."""
        self.case = case_for_review(text, about_family, cues)
        self.status_note = ""
        if reread is not None and self.case.people:
            outcome = reread(self.case, text)
            self.case, self.status_note = outcome.case, outcome.note
        self.text = text
        self._replay()
        return self.case

    def _index(self, name: str) -> int | None:
        assert self.case is not None
        key = _norm(name)
        for i, p in enumerate(self.case.people):
            if _norm(p.name) == key or key in {_norm(a) for a in p.aliases}:
                return i
        return None

    def _replay(self) -> None:
        assert self.case is not None
        for kept, merged in self.merges:
            a, b = self._index(kept), self._index(merged)
            if a is not None and b is not None and a != b:
                merge_people(self.case, a, b)
        for name, role in self.roles.items():
            i = self._index(name)
            if i is not None:
                correct_role(self.case, i, role)

    def set_role(self, index: int, role: str) -> str:
        if self.case is None:
            raise ValueError("no case")
        correct_role(self.case, index, role)
        name = self.case.people[index].name
        self.roles[_norm(name)] = role
        return name

    def merge(self, keep: int, other: int) -> str:
        if self.case is None:
            raise ValueError("no case")
        kept, merged = self.case.people[keep].name, self.case.people[other].name
        merge_people(self.case, keep, other)
        self.merges.append((kept, merged))
        return kept

    def people_choices(self) -> list[tuple[str, int]]:
        if self.case is None:
            return []
        return [(f"{p.name} ({role_words(p.role)})", i) for i, p in enumerate(self.case.people)]


# ----------------------------------------------------------------------------- the panel


def _yes_no(value: bool) -> str:
    return "<span class='yes'>yes</span>" if value else "<span class='no'>no</span>"


def _snippet(text: str, limit: int = 150) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_people(case: CaseFile) -> str:
    if not case.people:
        return f"<p class='curio-muted' id='case-no-people'>{esc(NO_PEOPLE)}</p>"
    rows = []
    for i, p in enumerate(case.people):
        adult = p.role not in CHILD_ROLES and p.role != "professional"
        checks = check_words(p.checks) if adult else ""
        missing = (
            f"<div class='no'>not recorded: {esc(check_words(p.missing_checks))}</div>"
            if adult and p.missing_checks and p.causing_harm
            else ""
        )
        concern = " concern" if p.causing_harm else ""
        who = esc(p.name) + (
            " <span class='badge' title='the adult whose behaviour is the concern'>concern</span>"
            if p.causing_harm
            else ""
        )
        seen = _yes_no(p.seen) if p.role != "professional" else ""
        alone = _yes_no(p.seen_alone) if p.role != "professional" else ""
        rows.append(
            f"<tr class='person{concern}' data-index='{i}' data-role='{esc(p.role)}'>"
            f"<td>{who}</td><td class='role'>{esc(role_words(p.role))}</td>"
            f"<td>{esc(p.age or '')}</td><td>{seen}</td><td>{alone}</td>"
            f"<td>{esc(checks)}{missing}</td></tr>"
        )
    return (
        "<table id='case-people'><thead><tr><th>Person</th><th>Role</th><th>Age</th>"
        "<th>Seen</th><th>Alone</th><th>Checks</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def render_chronology(case: CaseFile) -> str:
    if not case.chronology:
        body = f"<p class='curio-muted' id='case-no-dates'>{esc(NO_DATES)}</p>"
    else:
        items = []
        for e in case.chronology:
            note = f" <b>({esc(e.note)})</b>" if e.note else ""
            items.append(
                f"<li><b>{esc(e.iso or 'year not known')}</b> "
                f"<span class='curio-muted'>[{esc(e.date)}]</span> {esc(_snippet(e.text))}{note}"
                "</li>"
            )
        body = f"<ul id='case-chronology'>{''.join(items)}</ul>"
    if case.undated:
        undated = "".join(f"<li>{esc(_snippet(u.text))}</li>" for u in case.undated)
        body += (
            "<p><b>No date given</b> <span class='curio-muted'>(listed apart, not guessed)"
            f"</span></p><ul id='case-undated'>{undated}</ul>"
        )
    return body


def render_accounts(case: CaseFile) -> str:
    if not case.accounts:
        return "<p class='curio-muted'>No statements in an analysis or plan section.</p>"
    items = []
    for a in case.accounts:
        tag = (
            f"<span class='src' style='background:{SOURCE_COLOURS.get(a.source, '#e5e7eb')}' "
            f"title='{esc(SOURCE_WORDS.get(a.source, a.source))}'>{esc(a.source)}</span>"
        )
        mark = (
            " <span class='parent-only'>rests only on a parent's account</span>"
            if a.parent_only
            else ""
        )
        items.append(f"<li data-source='{esc(a.source)}'>{tag} {esc(_snippet(a.text))}{mark}</li>")
    return f"<ul id='case-accounts'>{''.join(items)}</ul>"


def render_case_panel(case: CaseFile | None) -> str:
    """People (the adult causing harm and unseen or unchecked adults first), the chronology and
    whose account each analysis or plan statement is."""
    if case is None:
        return (
            "<div class='curio-case' id='case-panel'><p class='curio-muted'>The people, a "
            "chronology and whose account each statement rests on appear here after a review."
            "</p></div>"
        )
    if case.not_family:
        return (
            "<div class='curio-case' id='case-panel'>"
            f"<p class='curio-muted' id='case-not-family'>{esc(NOT_A_FAMILY)}</p></div>"
        )
    return (
        "<div class='curio-case' id='case-panel'>"
        "<p class='curio-muted'>Read from the draft by pattern: check it, and correct a role "
        "or merge two mentions below.</p>"
        f"<h4>People in the child's life</h4>{render_people(case)}"
        f"<h4>Chronology</h4>{render_chronology(case)}"
        f"<h4>Whose account</h4>{render_accounts(case)}</div>"
    )


def render_decisions(flags: list[Flag], decisions: dict[str, Decision]) -> str:
    """The decision log so far: each flag and the practitioner's mark and reason."""
    if not flags:
        return "<p class='curio-muted'>Review a draft, then mark each flag here.</p>"
    rows = []
    for n, f in enumerate(flags, start=1):
        d = decisions.get(f.lens)
        mark = esc(DECISION_WORDS.get(d.mark, d.mark)) if d else "<i>not marked yet</i>"
        reason = esc(d.reason) if d and d.reason else ""
        rows.append(
            f"<tr data-lens='{esc(f.lens)}'><td>{n}. {esc(f.name or f.lens)}</td>"
            f"<td class='mark'>{mark}</td><td>{reason}</td></tr>"
        )
    return (
        "<table class='curio-decisions' id='decision-log'><thead><tr><th>Flag</th>"
        "<th>Decision</th><th>Reason</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def render_reasons(flag: Flag) -> str:
    """The plain-words chain behind a flag, for its card (nothing when there is none)."""
    if not flag.reasons:
        return ""
    items = "".join(f"<li>{esc(r)}</li>" for r in flag.reasons)
    return f"<div class='reasons'><b>Why this was raised</b><ul>{items}</ul></div>"


# ----------------------------------------------------------------------------- exports


def flag_record_lines(flag: Flag, decisions: dict[str, Decision]) -> list[str]:
    """Markdown lines for one flag's reasons and decision in the checklist."""
    lines: list[str] = []
    if flag.reasons:
        lines += ["", "Why this was raised:", ""] + [f"- {r}" for r in flag.reasons]
    d = decisions.get(flag.lens)
    if d:
        words = DECISION_WORDS.get(d.mark, d.mark)
        lines += [
            "",
            f"Decision: **{words}**" + (f" — {' '.join(d.reason.split())}" if d.reason else ""),
        ]
    return lines


def _people_rows(case: CaseFile) -> list[list[str]]:
    rows = []
    for p in case.people:
        adult = p.role not in CHILD_ROLES and p.role != "professional"
        rows.append(
            [
                p.name + (" (the concern)" if p.causing_harm else ""),
                role_words(p.role),
                p.age or "",
                ("yes" if p.seen else "no") if p.role != "professional" else "",
                ("yes" if p.seen_alone else "no") if p.role != "professional" else "",
                check_words(p.checks) if adult else "",
                check_words(p.missing_checks) if adult and p.missing_checks else "",
            ]
        )
    return rows


PEOPLE_HEADER = ["Person", "Role", "Age", "Seen", "Seen alone", "Checks", "Not recorded"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def supervision_markdown(case: CaseFile | None) -> list[str]:
    """The people table and the chronology, as the supervision record in the .md export."""
    if case is None:
        return []
    if case.not_family:
        return ["## Supervision record: the case at a glance", "", NOT_A_FAMILY, ""]
    lines = [
        "## Supervision record: the case at a glance",
        "",
        "### People in the child's life",
        "",
    ]
    if case.people:
        lines.append("| " + " | ".join(PEOPLE_HEADER) + " |")
        lines.append("|" + "---|" * len(PEOPLE_HEADER))
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in _people_rows(case)]
    else:
        lines.append(NO_PEOPLE)
    lines += ["", "### Chronology", ""]
    if case.chronology:
        for e in case.chronology:
            note = f" ({e.note})" if e.note else ""
            lines.append(f"- {e.iso or 'year not known'} [{e.date}]: {_snippet(e.text, 300)}{note}")
    else:
        lines.append(NO_DATES)
    if case.undated:
        lines += ["", "No date given (listed apart, not guessed):", ""]
        lines += [f"- {_snippet(u.text, 300)}" for u in case.undated]
    parent_only = [a for a in case.accounts if a.parent_only]
    if parent_only:
        lines += ["", "### Conclusions resting only on a parent's account", ""]
        lines += [f"- {_snippet(a.text, 300)}" for a in parent_only]
    lines.append("")
    return lines


def supervision_docx(document: Any, case: CaseFile | None) -> None:
    """The same supervision record in the Word export."""
    if case is None:
        return
    document.add_heading("Supervision record: the case at a glance", level=1)
    if case.not_family:
        document.add_paragraph(NOT_A_FAMILY)
        return
    document.add_heading("People in the child's life", level=2)
    if case.people:
        rows = _people_rows(case)
        table = document.add_table(rows=1 + len(rows), cols=len(PEOPLE_HEADER))
        table.style = "Table Grid"
        for j, h in enumerate(PEOPLE_HEADER):
            table.cell(0, j).text = h
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                table.cell(i, j).text = value
    else:
        document.add_paragraph(NO_PEOPLE)
    document.add_heading("Chronology", level=2)
    if case.chronology:
        for e in case.chronology:
            note = f" ({e.note})" if e.note else ""
            document.add_paragraph(
                f"{e.iso or 'year not known'} [{e.date}]: {_snippet(e.text, 300)}{note}",
                style="List Bullet",
            )
    else:
        document.add_paragraph(NO_DATES)
    if case.undated:
        document.add_paragraph("No date given (listed apart, not guessed):")
        for u in case.undated:
            document.add_paragraph(_snippet(u.text, 300), style="List Bullet")
    parent_only = [a for a in case.accounts if a.parent_only]
    if parent_only:
        document.add_heading("Conclusions resting only on a parent's account", level=2)
        for a in parent_only:
            document.add_paragraph(_snippet(a.text, 300), style="List Bullet")


def flag_record_docx(document: Any, flag: Flag, decisions: dict[str, Decision]) -> None:
    if flag.reasons:
        document.add_heading("Why this was raised", level=2)
        for r in flag.reasons:
            document.add_paragraph(r, style="List Bullet")
    d = decisions.get(flag.lens)
    if d:
        words = DECISION_WORDS.get(d.mark, d.mark)
        document.add_paragraph(
            f"Decision: {words}" + (f" — {' '.join(d.reason.split())}" if d.reason else "")
        )
