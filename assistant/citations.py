"""The one readable form of a citation, shared by the CLI, the app, the exports and chat.

A citation says where a passage comes from and whose words it is: a practitioner must be able to
tell an inspection finding from the law, and both from Curio's own practice prompts, at a glance.
Every place that shows a citation to a person calls ``format_citation`` so they cannot drift.
"""

from __future__ import annotations

from html import escape

from assistant.types import Citation, kind_label


def kind_text(c: Citation) -> str:
    """Whose words: "inspection finding", or for Curio's own advice, whose source it sits beside."""
    label = kind_label(c.kind)
    if label and c.kind == "practice-prompt":
        return f"{label}, not the words of {c.publisher}" if c.publisher else label
    return label


def format_citation(c: Citation, html: bool = False) -> str:
    """``Title — Section (Publisher, Year) · kind [caveat]``; escaped and marked up when html.

    The kind is left out for passages indexed before kinds existed; the caveat names a
    superseded source or another nation's guidance.
    """
    origin = ", ".join(x for x in (c.publisher, c.year) if x)
    kind = kind_text(c)
    if not html:
        line = f"{c.title} — {c.section}"
        line += f" ({origin})" if origin else ""
        line += f" · {kind}" if kind else ""
        line += f" [{c.caveat}]" if c.caveat else ""
        return line
    line = f"<b>{escape(c.title)}</b> — {escape(c.section)}"
    line += f" <span class='meta'>({escape(origin)})</span>" if origin else ""
    line += (
        f" <span class='curio-kind' data-kind='{escape(c.kind)}'>· {escape(kind)}</span>"
        if kind
        else ""
    )
    line += f" <span class='curio-caveat'>({escape(c.caveat)})</span>" if c.caveat else ""
    return line
