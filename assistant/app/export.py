"""The curiosity checklist as Markdown and as a Word document, and the clean-up that keeps case
text off the disk: uploads are deleted once read, and exports on the next export and at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import shutil
import time
from pathlib import Path

from assistant.app.render import (
    flag_name,
)
from assistant.app.state import SessionState
from assistant.casepanel import (
    flag_record_docx,
    flag_record_lines,
    supervision_docx,
    supervision_markdown,
)
from assistant.citations import format_citation

log = logging.getLogger("curio.app")

LEFT_OUT = (
    "These sentences of the latest draft speak to an AI tool rather than about the family, so "
    "the review did not read them:"
)


def checklist_markdown(state: SessionState) -> str:
    """The session's curiosity checklist: flags, questions and the guidance cited."""
    lines = [
        "# Curiosity checklist",
        "",
        f"Made with Curio on {time.strftime('%d %B %Y at %H:%M')}. These are questions to "
        "consider with your supervisor, not a verdict: the judgement stays with you.",
        "",
    ]
    for n, f in enumerate(state.checklist.values(), start=1):
        kind = "found in the draft" if f.kind == "present" else "missing from the draft"
        lines += [f"## {n}. {flag_name(f)} ({kind})", ""]
        lines += [f"> {' '.join(ev.text.split())}" for ev in f.evidence]
        if f.kind == "absent" and f.looked_for:
            lines.append(f"Looked for and not found: {f.looked_for}")
        lines += flag_record_lines(f, state.case.decisions)
        lines += ["", "Questions:", ""] + [f"- [ ] {q}" for q in f.questions]
        if f.citations:
            lines += ["", "Guidance:", ""] + [f"- {format_citation(c)}" for c in f.citations]
        lines.append("")
    if state.left_out:  # the record should say what the review did not read
        lines += ["## Left out of the review", "", LEFT_OUT, ""]
        lines += [f"> {s}" for s in state.left_out] + [""]
    lines += supervision_markdown(state.case.case)
    if state.cited:
        lines += ["## Guidance cited in answers", ""]
        lines += [f"- {format_citation(c)}" for c in state.cited.values()]
        lines.append("")
    return "\n".join(lines)


def checklist_docx(state: SessionState, path: Path) -> Path:
    """The same checklist as a Word document, for workers who keep notes in Word."""
    import docx

    document = docx.Document()
    document.add_heading("Curiosity checklist", level=0)
    document.add_paragraph(
        f"Made with Curio on {time.strftime('%d %B %Y at %H:%M')}. These are questions to "
        "consider with your supervisor, not a verdict: the judgement stays with you."
    )
    for n, f in enumerate(state.checklist.values(), start=1):
        kind = "found in the draft" if f.kind == "present" else "missing from the draft"
        document.add_heading(f"{n}. {flag_name(f)} ({kind})", level=1)
        for ev in f.evidence:
            document.add_paragraph(" ".join(ev.text.split()), style="Intense Quote")
        if f.kind == "absent" and f.looked_for:
            document.add_paragraph(f"Looked for and not found: {f.looked_for}")
        flag_record_docx(document, f, state.case.decisions)
        if f.questions:
            document.add_heading("Questions", level=2)
            for q in f.questions:
                document.add_paragraph(f"☐ {q}", style="List Bullet")
        if f.citations:
            document.add_heading("Guidance", level=2)
            for c in f.citations:
                document.add_paragraph(format_citation(c), style="List Bullet")
    if state.left_out:
        document.add_heading("Left out of the review", level=1)
        document.add_paragraph(LEFT_OUT)
        for s in state.left_out:
            document.add_paragraph(s, style="Intense Quote")
    supervision_docx(document, state.case.case)
    if state.cited:
        document.add_heading("Guidance cited in answers", level=1)
        for c in state.cited.values():
            document.add_paragraph(format_citation(c), style="List Bullet")
    document.save(str(path))
    return path


# --------------------------------------------------------------------------- uploads


def discard_upload(path: str | Path, cache_root: str | Path | None = None) -> None:
    """Delete an uploaded file and the folder Gradio made for it: case text must not linger."""
    p = Path(path)
    try:
        p.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove an uploaded file from the cache")
        return
    parent = p.parent
    root = Path(cache_root).resolve() if cache_root else None
    if root is not None and parent.resolve() != root and root in parent.resolve().parents:
        with contextlib.suppress(OSError):
            parent.rmdir()  # only when empty


_EXPORTS: set[str] = set()


def discard_export(folder: str) -> None:
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        _EXPORTS.discard(folder)


@atexit.register
def _discard_all_exports() -> None:
    """Exported checklists hold case text: none outlives the app."""
    for folder in list(_EXPORTS):
        discard_export(folder)
