"""The terminal rendering of a review (the app has its own HTML view of the same result)."""

from __future__ import annotations

from assistant.citations import format_citation
from assistant.types import ReviewResult


def left_out_note(result: ReviewResult) -> str:
    """One line naming the sentences left out of the review as words to an AI tool ("" when
    none were): a reader should know that part of what they pasted was not read."""
    if not result.left_out:
        return ""
    first = " ".join(result.left_out[0].text.split())
    first = first if len(first) <= 80 else first[:77] + "..."
    n = len(result.left_out)
    what = "1 sentence" if n == 1 else f"{n} sentences"
    verb = "speaks" if n == 1 else "speak"
    return (
        f'{what} that {verb} to an AI tool rather than about the family ("{first}") '
        f"{'was' if n == 1 else 'were'} left out of the review."
    )


def render_review(result: ReviewResult, text: str = "") -> str:
    """Flags most serious first, with evidence, reasons, questions and guidance."""
    note = left_out_note(result)
    if not result.flags:
        return "\n".join(x for x in (result.message or "No lens flags were raised.", note) if x)
    lines = [f"{len(result.flags)} lens flag(s), most serious first. Questions, not verdicts.", ""]
    for n, f in enumerate(result.flags, start=1):
        kind = "in the text" if f.kind == "present" else "missing"
        lines.append(f"{n}. {f.name or f.lens} [{f.lens}] ({kind})")
        for e in f.evidence[:3]:
            snippet = " ".join(e.text.split())
            lines.append(f'   > "{snippet[:200]}" (chars {e.start}-{e.end})')
        for r in f.reasons:
            lines.append(f"   because: {r}")
        for q in f.questions:
            lines.append(f"   - {q}")
        for c in f.citations:
            lines.append(f"   See: {format_citation(c)} [{c.source}]")
        lines.append("")
    if note:
        lines.append(note)
    return "\n".join(lines).rstrip()
