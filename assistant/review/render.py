"""The terminal rendering of a review (the app has its own HTML view of the same result)."""

from __future__ import annotations

from assistant.citations import format_citation
from assistant.types import ReviewResult


def render_review(result: ReviewResult, text: str = "") -> str:
    """Flags most serious first, with evidence, reasons, questions and guidance."""
    if not result.flags:
        return result.message or "No lens flags were raised."
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
    return "\n".join(lines).rstrip()
