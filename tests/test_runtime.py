"""One place builds the parts: the CLI takes them, so tests hand in fakes, and `curio review`
writes the same audit line as a review in the app."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import FakeAudit, FakeEmbedder, FakeRetriever, FakeReviewer

from assistant.cli import main
from assistant.errors import CurioError
from assistant.limits import MB, check_file_size, check_text, too_long
from assistant.runtime import Parts
from assistant.settings import Settings
from assistant.types import Citation, Evidence, Flag, ReviewResult

DRAFT = "Ms Holloway says Mr Brennan has moved out, so the risk to the children is reduced."


def _cite(n: int) -> Citation:
    return Citation(source=f"s{n}.md", title=f"T{n}", section=f"S{n}", chunk_id=f"c{n}")


FLAG = Flag(
    lens="perpetrator-absence-plan",
    kind="present",
    evidence=[Evidence(19, 41, "Mr Brennan has moved out")],
    questions=["Where is he living now?"],
    citations=[_cite(1), _cite(2), _cite(3)],
    name="A plan that relies on the man being gone",
)


def _parts(settings: Settings) -> tuple[Parts, FakeAudit, FakeReviewer]:
    audit = FakeAudit()
    reviewer = FakeReviewer(ReviewResult(flags=[FLAG], is_case_material=True))
    parts = Parts(
        settings,
        retriever=FakeRetriever([]),
        reviewer=reviewer,
        llm=None,
        audit=audit,
        embedder=FakeEmbedder(),
    )
    return parts, audit, reviewer


def test_curio_review_writes_the_apps_audit_line(
    make_settings: Callable[..., Settings], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings()
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    parts, audit, reviewer = _parts(settings)
    assert main(["review", str(draft), "--json"], parts=parts) == 0
    out = json.loads(capsys.readouterr().out)
    assert [f["lens"] for f in out["flags"]] == [FLAG.lens] and reviewer.texts == [DRAFT]
    (cli_line,) = audit.lines

    app_parts, app_audit, _ = _parts(settings)  # what the app does with the same draft
    curio = app_parts.curio
    list(curio.respond(curio.new_session(), "review", "Please review my draft.", draft=DRAFT))
    (app_line,) = app_audit.lines
    same = ("mode", "lenses", "chunks", "model", "declined")
    assert {k: cli_line[k] for k in same} == {k: app_line[k] for k in same}
    assert cli_line["chunks"] == ["c1", "c2"]  # the guidance a walkthrough cites
    assert cli_line["input_text"] == DRAFT


def test_parts_are_built_once_and_only_when_used(make_settings: Callable[..., Settings]) -> None:
    parts, _, reviewer = _parts(make_settings())
    assert parts.reviewer is reviewer and parts.curio is parts.curio
    assert parts.without_model().llm is None and parts.without_model().reviewer is reviewer
    bare = parts.without_retriever()
    assert bare.retriever is None


def test_one_size_limit_and_one_message() -> None:
    check_text("x" * 10, 10, "The draft")
    with pytest.raises(CurioError) as exc:
        check_text("x" * 11, 10, "The draft")
    assert exc.value.message == too_long("The draft", 11, 10)
    assert "11 characters" in exc.value.message and "a section at a time" in exc.value.message
    check_file_size("a.pdf", MB, 1.0)
    with pytest.raises(CurioError, match=r"a\.pdf is 1\.0 MB; the largest file Curio accepts"):
        check_file_size("a.pdf", MB + 1, 1.0)  # an MB is 1,048,576 bytes in the CLI and the app
