"""HTML for the page: the highlighted draft, flag cards, sources, a section, the privacy line
and a trainee's scenario coverage. Every piece of text from a draft or a passage is escaped.
"""

from __future__ import annotations

import html
from typing import Any

from assistant.app.words import (
    OFFLINE_LINE,
    PALETTE,
)
from assistant.casepanel import (
    render_reasons,
)
from assistant.citations import citation_from_json, format_citation, kind_text
from assistant.errors import CurioError
from assistant.settings import Settings
from assistant.types import Citation, Flag, jurisdiction_label


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def md_safe(text: str) -> str:
    """Chat text as Markdown that can carry no HTML: '<' and '&' become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def lens_colour(lens: str) -> str:
    from assistant.lenses import LENS_IDS

    try:
        return PALETTE[LENS_IDS.index(lens) % len(PALETTE)]
    except ValueError:
        return "#e5e7eb"


def flag_name(flag: Flag) -> str:
    return flag.name or flag.lens.replace("-", " ").capitalize()


def _evidence_spans(text: str, flags: list[Flag]) -> list[tuple[int, int, int]]:
    """(start, end, flag number) for each piece of evidence, checked against the text."""
    spans = []
    for number, flag in enumerate(flags, start=1):
        for ev in flag.evidence:
            start, end = int(ev.start), int(ev.end)
            if not (0 <= start < end <= len(text)) or text[start:end] != ev.text:
                # offsets that do not match the text shown: find the sentence instead
                found = text.find(ev.text) if ev.text else -1
                if found < 0:
                    continue
                start, end = found, found + len(ev.text)
            spans.append((start, end, number))
    return spans


def render_draft(text: str, flags: list[Flag]) -> str:
    """The draft as escaped HTML with flagged sentences highlighted and labelled by lens."""
    if not text.strip():
        return "<p class='curio-muted'>Your draft will appear here after a review.</p>"
    spans = _evidence_spans(text, flags)
    bounds = sorted({0, len(text), *[s for s, _, _ in spans], *[e for _, e, _ in spans]})
    out: list[str] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = esc(text[a:b])
        covering = [n for s, e, n in spans if s <= a and b <= e]
        if not covering:
            out.append(piece)
            continue
        first = flags[covering[0] - 1]
        names = ", ".join(f"{n}. {flag_name(flags[n - 1])}" for n in covering)
        out.append(
            f"<mark class='curio-hl' data-lens='{esc(first.lens)}' title='{esc(names)}' "
            f"style='background:{lens_colour(first.lens)}'>{piece}</mark>"
        )
        ending = [n for s, e, n in spans if e == b and s <= a]
        for n in dict.fromkeys(ending):
            out.append(f"<span class='lens-tag'>{n}. {esc(flag_name(flags[n - 1]))}</span>")
    return f"<div class='curio-draft' id='curio-draft'>{''.join(out)}</div>"


def render_flags(flags: list[Flag], message: str = "") -> str:
    """Each flag with what was found or missed, its questions and the guidance behind it."""
    if not flags:
        note = esc(message) if message else "No flags yet: review a draft to see them here."
        return f"<p class='curio-muted'>{note}</p>"
    cards = []
    for n, f in enumerate(flags, start=1):
        if f.kind == "present":
            kind = "in the draft"
            body = "".join(f"<blockquote>{esc(ev.text)}</blockquote>" for ev in f.evidence)
        else:
            kind = "missing from the draft"
            body = f"<p><i>Looked for and not found:</i> {esc(f.looked_for)}</p>"
        questions = "".join(f"<li>{esc(q)}</li>" for q in f.questions)
        guidance = "".join(f"<li>{format_citation(c, html=True)}</li>" for c in f.citations)
        cards.append(
            f"<div class='curio-flag' data-lens='{esc(f.lens)}' "
            f"style='border-left-color:{lens_colour(f.lens)}'>"
            f"<h4>{n}. {esc(flag_name(f))}<span class='kind'>{kind}</span></h4>{body}"
            + render_reasons(f)
            + (f"<p><b>Questions to consider</b></p><ul>{questions}</ul>" if questions else "")
            + (
                f"<div class='guidance'><b>Guidance</b><ul>{guidance}</ul></div>"
                if guidance
                else ""
            )
            + "</div>"
        )
    intro = (
        f"<p class='curio-muted'>{len(flags)} flag{'s' if len(flags) != 1 else ''}: "
        "questions to consider, not a verdict.</p>"
    )
    return intro + "".join(cards)


def render_sources(citations: list[Citation]) -> str:
    """The latest answer's citations: passage, title, section, publisher and year."""
    if not citations:
        return "<p class='curio-muted'>The guidance behind the latest answer will appear here.</p>"
    cards = []
    for n, c in enumerate(citations, start=1):
        relevance = f" · relevance {c.relevance:.2f}" if c.relevance else ""
        cite = format_citation(c, html=True)
        cards.append(
            f"<div class='curio-source' data-marker='{n}'><b>[{n}]</b> {cite}"
            f"<div class='meta'>{esc(c.source)}{relevance}</div>"
            f"<div class='passage'>{esc(c.text)}</div></div>"
        )
    return "".join(cards)


def render_section(c: Citation, text: str) -> str:
    meta = [
        ("Publisher", c.publisher),
        ("Year", c.year),
        ("Kind", kind_text(c)),
        ("Jurisdiction", jurisdiction_label(c.jurisdiction)),
        ("Status", c.status),
        ("File", c.source),
    ]
    rows = " · ".join(f"{k}: {esc(v)}" for k, v in meta if v)
    caveat = f"<p class='curio-caveat'>Note: {esc(c.caveat)}</p>" if c.caveat else ""
    return (
        f"<div id='curio-section'><h4>{esc(c.title)} — {esc(c.section)}</h4>"
        f"<p class='curio-muted'>{rows}</p>{caveat}"
        f"<div class='curio-section'>{esc(text)}</div></div>"
    )


def privacy_line(settings: Settings, model: str | None = None, local: bool | None = None) -> str:
    """Where text goes: offline, a model on this computer, or a remote model with redaction.

    ``local`` is the chat layer's own verdict on the configured model, when it has one.
    """
    llm = (settings.llm or "none").strip()
    if llm.lower() in ("", "none", "off", "offline"):
        return f"<span class='curio-privacy' id='curio-privacy'>{OFFLINE_LINE}</span>"
    name = model if model and model != "none" else llm
    if local if local is not None else _llm_is_local(llm, settings.llm_base_url):
        return (
            f"<span class='curio-privacy' id='curio-privacy'>Language model {esc(name)} runs "
            "on this computer: nothing leaves it</span>"
        )
    return (
        f"<span class='curio-privacy remote' id='curio-privacy'>Language model: {esc(name)}. "
        "Names and identifiers are redacted before anything is sent to it.</span>"
    )


def _llm_is_local(llm: str, base_url: str | None) -> bool:
    """The chat layer's rule, for when no model was built (a spec it cannot parse is remote)."""
    from assistant.llm import is_local, parse_spec

    try:
        return is_local(parse_spec(llm), base_url)
    except CurioError:
        return False


def _lens_label(item: Any) -> tuple[str, str, list[Any]]:
    """(lens id, readable name, guidance) from a coverage item of any reasonable shape."""
    if isinstance(item, str):
        return item, item.replace("-", " ").capitalize(), []
    if isinstance(item, dict):
        lens = str(item.get("lens") or item.get("id") or "")
        name = str(item.get("name") or lens.replace("-", " ").capitalize())
        guidance = item.get("guidance") or item.get("citations") or []
        if isinstance(guidance, str | dict | Citation):
            guidance = [guidance]
        return lens, name, list(guidance)
    lens = str(getattr(item, "lens", item))
    return lens, str(getattr(item, "name", "") or lens), list(getattr(item, "citations", []))


def _guidance_html(g: Any) -> str:
    if isinstance(g, Citation):
        return format_citation(g, html=True)
    if isinstance(g, dict):
        return format_citation(citation_from_json(g), html=True)
    return esc(g)


def render_coverage(result: dict[str, Any]) -> str:
    """The trainee's coverage: lenses covered (with the words that did it) and missed."""
    covered = result.get("covered") or []
    missed = result.get("missed") or []
    total = len(covered) + len(missed)
    parts = [f"<p><b>You covered {len(covered)} of the {total} lenses this scenario calls for.</b>"]
    parts.append(" These are prompts for discussion, not a mark.</p>")
    if covered:
        items = []
        for i in covered:
            matched = i.get("matched", "") if isinstance(i, dict) else ""
            items.append(
                f"<li class='ok'><b>{esc(_lens_label(i)[1])}</b>"
                + (f" <span class='curio-muted'>— “{esc(matched)}”</span>" if matched else "")
                + "</li>"
            )
        parts.append(f"<p>Covered</p><ul class='curio-covered'>{''.join(items)}</ul>")
    if missed:
        items = []
        for i in missed:
            _, name, guidance = _lens_label(i)
            meaning = i.get("meaning", "") if isinstance(i, dict) else ""
            qs = i.get("questions", []) if isinstance(i, dict) else []
            g = "".join(f"<li>{_guidance_html(x)}</li>" for x in guidance)
            q = "".join(f"<li>{esc(x)}</li>" for x in qs)
            items.append(
                f"<li class='miss'><b>{esc(name)}</b>"
                + (f"<div class='curio-muted'>{esc(meaning)}</div>" if meaning else "")
                + (f"<div>Questions you could ask:<ul>{q}</ul></div>" if q else "")
                + (f"<div class='guidance'>Guidance:<ul>{g}</ul></div>" if g else "")
                + "</li>"
            )
        parts.append(f"<p>Missed</p><ul class='curio-covered'>{''.join(items)}</ul>")
    also = result.get("also_raised") or []
    if also:
        parts.append(
            f"<p class='curio-muted'>You also raised: {esc(', '.join(map(str, also)))}.</p>"
        )
    if result.get("message"):
        parts.append(f"<p class='curio-muted'>{esc(result['message'])}</p>")
    return f"<div id='curio-coverage'>{''.join(parts)}</div>"
