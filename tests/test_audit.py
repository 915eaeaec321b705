"""The audit log: one JSON line per answer and per feedback mark, and never the case text.

Every mode of the real chat layer (offline and with a scripted local model that repeats the
case text back), ``curio ask`` and the app's feedback mark are run with invented case text full
of distinctive names and sentences; none of them may reach the log file. The log rotates by
size, lives where ``CURIO_AUDIT_LOG`` says, and records what a supervisor needs: mode, lenses
raised, chunks and sources cited, model, prompt-catalogue version, index fingerprint and the
input's hash.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from assistant.audit import FEEDBACK_REASONS, AuditLog, text_hash
from assistant.settings import Settings
from assistant.types import Citation

# Invented case text: every one of these must stay out of the log.
SECRETS = (
    "Zephyrine",
    "Ashdown",
    "Thaddeus",
    "Quillfeather",
    "Marrowby",
    "Pelargonium",
    "airing cupboard",
    "WX91 7QP",
)
DRAFT = (
    "Assessment summary for Ottilie Ashdown (7) and Bram Ashdown (2), 14 Marrowby Lane, "
    "WX91 7QP. Police attended after Mr Thaddeus Quillfeather pushed Ms Zephyrine Ashdown "
    "against the wall while she held Bram.\n\n"
    "Mr Quillfeather has moved out and is staying with a friend, so the risk to the children is "
    "now reduced. Ms Ashdown has engaged well and has good insight. She has agreed she will not "
    "let Mr Quillfeather into the home.\n\n"
    "Ottilie said the budgie called Pelargonium was hidden in the airing cupboard when the "
    "shouting started. The plan is to close the case with a referral to a parenting course."
)
REASON_WITH_CASE_TEXT = "Zephyrine Ashdown told me Quillfeather is back at Marrowby Lane"


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def assert_no_case_text(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret.lower() not in raw.lower(), f"{secret!r} reached the audit log"


# ----------------------------------------------------------------------------- the log itself


def test_answer_line_has_the_fields_and_no_text(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a" / "audit.jsonl")
    cite = Citation(source="guide.md", title="T", section="S", chunk_id="c1", text=DRAFT)
    log.answer(
        mode="review",
        input_text=DRAFT,
        lenses=["past-behaviour", "child-voice", "past-behaviour"],
        citations=[cite],
        model="none",
        prompts_version="1+abc",
        index_fingerprint="gen-1",
        session="s1",
    )
    log.close()
    (event,) = lines_of(tmp_path / "a" / "audit.jsonl")
    assert event["event"] == "answer" and event["mode"] == "review"
    assert event["time"] and event["curio"]
    assert event["lenses"] == ["child-voice", "past-behaviour"]
    assert event["chunks"] == ["c1"] and event["sources"] == ["guide.md"]
    assert event["model"] == "none" and event["prompts_version"] == "1+abc"
    assert event["index"] == "gen-1" and event["session"] == "s1"
    assert event["input_sha256"] == hashlib.sha256(DRAFT.encode()).hexdigest()
    assert event["input_chars"] == len(DRAFT)
    assert_no_case_text(tmp_path / "a" / "audit.jsonl")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("", ""),
        ("   ", ""),
        (FEEDBACK_REASONS[0], FEEDBACK_REASONS[0]),
        (f"  {FEEDBACK_REASONS[1]}\n", FEEDBACK_REASONS[1]),
        (REASON_WITH_CASE_TEXT, "Something else"),
        (FEEDBACK_REASONS[0] + " because Zephyrine Ashdown said so", "Something else"),
    ],
)
def test_feedback_keeps_only_a_category(tmp_path: Path, given: str, kept: str) -> None:
    """Free text about a flag can quote the draft, so only the fixed reasons are ever kept."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.feedback(lens="child-voice", mark="wrong", reason=given, session="s1")
    log.close()
    (event,) = lines_of(path)
    assert event == event | {"event": "feedback", "lens": "child-voice", "mark": "wrong"}
    assert event["reason"] == kept
    assert_no_case_text(path)


def test_rotates_by_size_and_keeps_every_line_whole(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, max_bytes=2_000, backups=2)
    for n in range(60):
        log.feedback(lens=f"lens-{n}", mark="useful", session="s")
    log.close()
    files = sorted(tmp_path.iterdir())
    assert [p.name for p in files] == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]
    for p in files:
        assert p.stat().st_size <= 2_000
        assert all(e["event"] == "feedback" for e in lines_of(p))
    newest = lines_of(path)
    assert newest[-1]["lens"] == "lens-59"  # the live file holds the latest lines


def test_threads_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, max_bytes=20_000, backups=50)

    def work(t: int) -> None:
        for n in range(50):
            log.feedback(lens=f"t{t}-{n}", mark="useful", session=str(t))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    log.close()
    events = [e for p in tmp_path.iterdir() for e in lines_of(p)]
    assert len(events) == 400
    assert len({e["lens"] for e in events}) == 400


def test_location_comes_from_curio_audit_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "governance" / "curio-audit.jsonl"
    monkeypatch.setenv("CURIO_AUDIT_LOG", str(target))
    monkeypatch.setenv("CURIO_HOME", str(tmp_path / "home"))
    settings = Settings()
    assert settings.audit_path == target
    monkeypatch.delenv("CURIO_AUDIT_LOG")
    assert Settings().audit_path == tmp_path / "home" / "audit.jsonl"


# ----------------------------------------------------------------------------- the chat layer


@pytest.fixture(scope="module")
def audited(
    corpus_settings: Settings, corpus_index: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path, Any]:
    """The real chat layer built from settings, writing its audit log to a fresh file."""
    from assistant.chat import build_curio

    path = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    settings = corpus_settings.model_copy(update={"audit_log": path})
    return build_curio(settings), path, corpus_index


TURNS: dict[str, list[tuple[str, str | None]]] = {
    "review": [("Please review my draft.", DRAFT), ("why flag 1?", None)],
    "ask": [("What is the MARAC threshold? Zephyrine Ashdown asked me.", None)],
    "reflect": [(DRAFT, None), ("Thaddeus Quillfeather says he has changed.", None)],
    "scenario": [("1", None), ("Where is Thaddeus Quillfeather living? Ask Ottilie.", None)],
}


@pytest.mark.integration
@pytest.mark.parametrize("mode", list(TURNS))
def test_every_mode_writes_one_line_per_answer_and_no_case_text(
    mode: str, audited: tuple[Any, Path, Any]
) -> None:
    curio, path, index = audited
    before = len(lines_of(path)) if path.exists() else 0
    session = curio.new_session()
    finals = []
    for message, draft in TURNS[mode]:
        finals.append(list(curio.respond(session, mode, message, draft=draft))[-1])
    events = lines_of(path)[before:]
    assert len(events) == len(TURNS[mode]), "one line per answer, not per streamed piece"
    for event, answer, (message, draft) in zip(events, finals, TURNS[mode], strict=True):
        assert event["event"] == "answer" and event["mode"] == mode
        assert event["session"] == session.id
        assert event["input_sha256"] == text_hash((draft or "") + message)
        assert event["lenses"] == sorted({f.lens for f in answer.flags})
        assert event["chunks"] == [c.chunk_id for c in answer.citations]
        assert event["sources"] == sorted({c.source for c in answer.citations})
        assert event["model"] == "none"
        assert event["prompts_version"] == curio.prompts_version and "+" in curio.prompts_version
        assert event["index"] == index.fingerprint and event["index"] not in ("", "empty")
    if mode == "review":
        assert events[0]["lenses"], "the invented draft raises lenses"
        assert events[0]["chunks"] and all(events[0]["chunks"])
    assert_no_case_text(path)


@pytest.mark.integration
def test_a_model_that_repeats_the_case_text_leaves_none_in_the_log(
    audited: tuple[Any, Path, Any], tmp_path: Path
) -> None:
    from fakes import Scripted

    from assistant.audit import AuditLog
    from assistant.chat import Curio
    from assistant.llm import Backend

    base, _, _ = audited
    path = tmp_path / "audit.jsonl"
    echo = "Zephyrine Ashdown and Thaddeus Quillfeather of Marrowby Lane: see [1]."
    curio = Curio(
        base.retriever,
        base.reviewer,
        base.catalogue,
        llm=Backend(model=Scripted(replies=[echo]), name="scripted-local", local=True),
        settings=base.settings,
        audit=AuditLog(path),
        prompts=base.prompts,
    )
    for mode, turns in TURNS.items():
        session = curio.new_session()
        for message, draft in turns:
            assert list(curio.respond(session, mode, message, draft=draft))[-1].text
    events = lines_of(path)
    assert len(events) == sum(len(t) for t in TURNS.values())
    assert "scripted-local" in {e["model"] for e in events}
    assert_no_case_text(path)


def run_cli(
    args: list[str],
    audit_log: Path,
    corpus_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> int:
    """Run `curio ARGS` in-process, offline, on the corpus index, logging to ``audit_log``."""
    from assistant import settings as settings_module
    from assistant.cli import main

    monkeypatch.setenv("CURIO_AUDIT_LOG", str(audit_log))
    monkeypatch.setenv("CURIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CURIO_INDEX", str(corpus_settings.index_dir))
    monkeypatch.setenv("CURIO_LLM", "none")
    monkeypatch.delenv("CURIO_CHROMA_URL", raising=False)
    settings_module.get_settings.cache_clear()
    try:
        return main(args)
    finally:
        settings_module.get_settings.cache_clear()


@pytest.mark.integration
def test_curio_ask_writes_to_the_configured_log(
    corpus_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    target = tmp_path / "elsewhere" / "audit.jsonl"
    question = "Zephyrine Ashdown asks: when should a MARAC referral be made?"
    assert run_cli(["ask", question, "--json"], target, corpus_settings, tmp_path, monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["citations"]
    (event,) = lines_of(target)
    assert event["mode"] == "ask" and event["input_sha256"] == text_hash(question)
    assert event["chunks"] and event["sources"]
    assert not (tmp_path / "home" / "audit.jsonl").exists()
    assert_no_case_text(target)


# ----------------------------------------------------------------------------- the app


@pytest.mark.integration
def test_app_feedback_is_linked_to_the_answer_and_drops_typed_reasons(
    audited: tuple[Any, Path, Any], corpus_settings: Settings
) -> None:
    from assistant.app import CurioApp

    curio, path, index = audited
    app = CurioApp(corpus_settings, curio, index)
    out = list(app.review(DRAFT, None, []))[-1]
    state = out["state"]
    assert state.flags, "the invented draft raises flags"
    lens = state.flags[0].lens
    before = len(lines_of(path))
    assert "marked wrong" in app.mark(lens, "Wrong", REASON_WITH_CASE_TEXT, state)
    assert "marked useful" in app.mark(lens, "Useful", FEEDBACK_REASONS[2], state)
    assert "marked not relevant" in app.mark(lens, "Not relevant", None, state)  # type: ignore[arg-type]
    events = lines_of(path)
    answers = [e for e in events if e["event"] == "answer" and e["session"] == state.id]
    assert len(answers) == 1 and answers[0]["mode"] == "review", "answer and marks share an id"
    marks = events[before:]
    assert [(e["event"], e["session"], e["lens"]) for e in marks] == [
        ("feedback", state.id, lens)
    ] * 3
    assert [e["reason"] for e in marks] == ["Something else", FEEDBACK_REASONS[2], ""]
    assert_no_case_text(path)


def test_the_log_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", max_bytes=10_000)
    for _ in range(80):  # across a rotation too
        log.feedback(lens="child-voice", mark="useful")
    log.close()
    files = sorted(tmp_path.glob("audit.jsonl*"))
    assert len(files) >= 2
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o777 == 0o600


@pytest.mark.integration
def test_curio_review_writes_one_line_without_case_text(
    corpus_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    target = tmp_path / "audit.jsonl"
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    args = ["review", str(draft), "--json"]
    assert run_cli(args, target, corpus_settings, tmp_path, monkeypatch) == 0
    flags = json.loads(capsys.readouterr().out)["flags"]
    (event,) = lines_of(target)
    assert event["mode"] == "review" and event["input_sha256"] == text_hash(DRAFT)
    assert event["lenses"] == sorted({f["lens"] for f in flags}) and event["lenses"]
    assert event["chunks"] and event["model"] == "none" and not event["declined"]
    assert_no_case_text(target)
