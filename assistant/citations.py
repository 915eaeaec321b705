"""The one readable form of a citation, shared by the CLI, the app, the exports and chat.

A citation says where a passage comes from, whose words it is and where it applies: a
practitioner must be able to tell an inspection finding from the law, both from Curio's own
practice prompts, and England's guidance from another nation's, at a glance. Every place that
shows a citation to a person calls ``format_citation`` (or ``source_line`` for a numbered list
of sources) so they cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from assistant.types import (
    JURISDICTIONS,
    Citation,
    jurisdiction_label,
    kind_label,
    normalise_jurisdiction,
)


def kind_text(c: Citation) -> str:
    """Whose words: "inspection finding", or for Curio's own advice, whose source it sits beside."""
    label = kind_label(c.kind)
    if label and c.kind == "practice-prompt":
        return f"{label}, not the words of {c.publisher}" if c.publisher else label
    return label


def place_text(c: Citation) -> str:
    """Where a source applies ("England and Wales"); another nation is named by the caveat."""
    if normalise_jurisdiction(c.jurisdiction) not in JURISDICTIONS:
        return ""
    return jurisdiction_label(c.jurisdiction)


def short_label(c: Citation) -> str:
    """``Title — Section``: a source picker's entry and a passage's label for the model."""
    return f"{c.title} — {c.section}"


def format_citation(c: Citation, html: bool = False) -> str:
    """``Title — Section (Publisher, Year) · kind, place [caveat]``; escaped and marked up
    when html.

    The kind and place are left out for passages indexed before they existed; the caveat names
    a superseded source or another nation's guidance.
    """
    origin = ", ".join(x for x in (c.publisher, c.year) if x)
    about = ", ".join(x for x in (kind_text(c), place_text(c)) if x)
    if not html:
        line = short_label(c)
        line += f" ({origin})" if origin else ""
        line += f" · {about}" if about else ""
        line += f" [{c.caveat}]" if c.caveat else ""
        return line
    line = f"<b>{escape(c.title)}</b> — {escape(c.section)}"
    line += f" <span class='meta'>({escape(origin)})</span>" if origin else ""
    line += (
        f" <span class='curio-kind' data-kind='{escape(c.kind)}'>· {escape(about)}</span>"
        if about
        else ""
    )
    line += f" <span class='curio-caveat'>({escape(c.caveat)})</span>" if c.caveat else ""
    return line


def source_line(n: int, c: Citation) -> str:
    """One numbered entry of a plain-text source list: the citation, its file and relevance."""
    return f"[{n}] {format_citation(c)} [{c.source}] relevance {c.relevance:.2f}"


def citation_from_json(d: Mapping[str, Any]) -> Citation:
    """A citation back from its JSON form (``Citation.to_json`` or a flag's citation)."""
    fields = {k: str(d.get(k, "") or "") for k in ("source", "title", "section", "chunk_id")}
    return Citation(
        **fields,
        publisher=str(d.get("publisher", "") or ""),
        year=str(d.get("year", "") or ""),
        jurisdiction=normalise_jurisdiction(d.get("jurisdiction", "")),
        kind=str(d.get("kind", "") or ""),
        status=str(d.get("status", "") or ""),
        text=str(d.get("text", "") or ""),
        relevance=float(d.get("relevance", 0.0) or 0.0),
    )
