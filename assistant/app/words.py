"""The app's fixed words and settings of the page: the example draft, the introduction, the
lens colours, the file types it takes, and its styles (``style.css``).
"""

from __future__ import annotations

from pathlib import Path

from assistant.casepanel import CSS as CASE_CSS

LOOPBACK = ("127.0.0.1", "localhost", "::1")
UPLOAD_TYPES = [".docx", ".pdf", ".txt", ".md"]
OFFLINE_LINE = "Offline: nothing leaves this computer"

MARKS: dict[str, str] = {"Useful": "useful", "Not relevant": "not-relevant", "Wrong": "wrong"}

#: One colour per lens, in the lens contract's order (lenses.md).
PALETTE = (
    "#fde68a",
    "#fecaca",
    "#bfdbfe",
    "#bbf7d0",
    "#e9d5ff",
    "#fed7aa",
    "#a5f3fc",
    "#fbcfe8",
    "#d9f99d",
    "#c7d2fe",
    "#fef08a",
    "#99f6e4",
    "#fda4af",
    "#ddd6fe",
    "#fcd34d",
)

EXAMPLE_DRAFT = """\
Assessment summary (invented example: no real family)

Ruby (7) and Leo (18 months) live with their mother, Ms Dana Holloway. Police attended the \
home in March after a neighbour reported shouting; Mr Carl Brennan had pushed Ms Holloway \
against a wall while she was holding Leo.

Mr Brennan has since moved out and is staying with a friend, so the risk to the children is \
now reduced. Ms Holloway has engaged well with the service and has shown good insight into \
the impact of domestic abuse on the children. She has agreed that she will not let \
Mr Brennan into the home and will call the police if he comes back.

Ms Holloway told me there have been no previous incidents. Ruby was quiet during the visit \
and appeared well cared for. The plan is to close the case to children's social care with a \
referral to a parenting course.
"""


INTRO = """\
**Curio asks the questions a good supervisor would ask, and shows the guidance behind them.**
It never decides a family's risk: the judgement stays with you.

1. Choose what you want to do (review a draft, ask about guidance, reflective supervision or a \
training scenario).
2. For a review, paste or upload a draft, or press **Try an invented example**, then \
**Review draft**. Flagged sentences are highlighted; each flag lists questions and guidance.
3. Press a source on the right to read the whole section it came from, and **Export \
checklist** to keep the questions with your notes.
"""


def _css() -> str:
    """The page's styles: ``style.css`` beside this module, then the case panel's."""
    return (Path(__file__).with_name("style.css")).read_text(encoding="utf-8") + CASE_CSS


CSS = _css()
