"""The case at a glance behind the review's gate: a text the review engine reads as not about a
family (a team meeting's agenda) gets no people, chronology or accounts, only one note, in the
CLI's JSON and plain text, the app's panel and both exports. The last test uses the real
trained review model (cached under CURIO_CACHE) on the tune scenario t15-a13, a course outline
the engine reads as about no family (t12-a07, the agenda, it reads as just over its line)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from assistant.casefile import (
    NOT_A_FAMILY,
    CaseFile,
    case_for_review,
    extract_case,
    render_case,
)
from assistant.casepanel import render_case_panel, supervision_docx, supervision_markdown
from assistant.settings import REPO_ROOT
from assistant.types import ReviewResult

SCENARIOS = REPO_ROOT / "evals" / "scenarios"


def _scenario(name: str, sid: str) -> str:
    rows = yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))
    row = next(r for r in rows if r["id"] == sid)
    assert row["quality"] == "not-family"
    return str(row["text"])


def _agenda() -> str:
    return _scenario("tune-seen-test-12.yaml", "t12-a07")


def test_without_the_gate_an_agenda_gives_people_so_the_gate_matters() -> None:
    case = extract_case(_agenda())
    assert case.people, "the rules alone read the minute-taker and the chair as people"


def test_an_agendas_minute_taker_is_a_professional_not_a_mother() -> None:
    """The fault seen in review t12-a07: "Chair: ... (TM)   Minutes: Ollie Grant (BSO)"; the
    engine reads the agenda as just over its line for case material, so the rules must not
    make the minute-taker a parent either."""
    people = {p.name: p.role for p in extract_case(_agenda()).people}
    assert people.get("Ollie Grant") == "professional"
    assert "mother" not in people.values() and "father" not in people.values()


def test_a_text_not_about_a_family_gives_an_empty_case_with_one_note() -> None:
    case = case_for_review(_agenda(), about_family=False)
    assert case.people == [] and case.chronology == [] and case.accounts == []
    assert case.undated == [] and case.notes == [NOT_A_FAMILY]
    data = case.to_json()
    assert data["people"] == [] and data["chronology"] == [] and data["accounts"] == []
    assert data["case_notes"] == [NOT_A_FAMILY]
    plain = render_case(case)
    assert NOT_A_FAMILY in plain and "People in the child's life" not in plain
    assert plain.count("\n") == 2  # the heading, a blank line and the note
    panel = render_case_panel(case)
    assert "case-not-family" in panel and "case-people" not in panel and "Chronology" not in panel
    md = "\n".join(supervision_markdown(case))
    assert NOT_A_FAMILY in md and "| Person" not in md


def test_a_text_about_a_family_is_read_as_before() -> None:
    text = "Home visit 03/10/2024. SW saw mother Leanne Dunmore alone. Father Ryan Cole not seen."
    gated = case_for_review(text, about_family=True)
    assert gated.to_json() == extract_case(text).to_json()
    assert {p.name for p in gated.people} >= {"Leanne Dunmore", "Ryan Cole"}
    assert not gated.not_family and NOT_A_FAMILY not in gated.notes


def test_the_app_panel_follows_the_reviews_reading(tmp_path: Path) -> None:
    import docx

    from assistant.app import CurioApp, SessionState
    from assistant.settings import Settings

    app = CurioApp(Settings(home=tmp_path / "home"), curio=None, index=object())
    agenda = _agenda().strip()
    not_family = ReviewResult(flags=[], message="not case material", is_case_material=False)
    state = SessionState(draft=agenda)
    state.chat = SimpleNamespace(last_review=not_family, last_draft=agenda)
    panel = app.case_panel(state)["case_view"]
    assert NOT_A_FAMILY in panel and "case-people" not in panel
    assert state.case.people_choices() == []
    md = "\n".join(supervision_markdown(state.case.case))
    assert NOT_A_FAMILY in md and "Ollie Grant" not in md
    document = docx.Document()
    supervision_docx(document, state.case.case)
    words = "\n".join(p.text for p in document.paragraphs)
    assert NOT_A_FAMILY in words and not document.tables
    # the same text read as case material (the review said so) is read as before
    fresh = SessionState(draft=agenda)
    fresh.chat = SimpleNamespace(last_review=ReviewResult(is_case_material=True), last_draft=agenda)
    assert "case-people" in app.case_panel(fresh)["case_view"]


@pytest.fixture(scope="module")
def reviewer():  # type: ignore[no-untyped-def]
    from assistant.review import build_reviewer

    return build_reviewer()


def test_the_real_review_gate_empties_the_case_for_a_course_outline(reviewer) -> None:  # type: ignore[no-untyped-def]
    outline = _scenario("tune-seen-test-15.yaml", "t15-a13")
    assert extract_case(outline).people, "ungated, the rules read people from it"
    result = reviewer.review(outline)
    assert not result.is_case_material
    case = case_for_review(outline, result.is_case_material)
    assert isinstance(case, CaseFile) and case.people == [] and case.notes == [NOT_A_FAMILY]


def test_a_staff_email_that_names_no_family_member_gets_no_flags_and_no_people(reviewer) -> None:  # type: ignore[no-untyped-def]
    """t40-a18, a car-park e-mail written blind as not about a family: read once (fortieth
    split) it drew a flag, and one like it drew three in the thirty-ninth. The case model
    finds only its sender, a professional, and no family word appears."""
    email = _scenario("tune-seen-test-40.yaml", "t40-a18")
    assert {p.role for p in extract_case(email).people} <= {"professional"}
    assert not reviewer.names_family(email)
    result = reviewer.review(email)
    assert result.flags == [] and not result.is_case_material
    assert case_for_review(email, result.is_case_material).notes == [NOT_A_FAMILY]
