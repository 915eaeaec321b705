"""The model's reading of seen, seen alone and checks (assistant/casefile/llm_status.py): every
"yes" must be quoted from the text sent, and any failure leaves the offline reading."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.casefile.llm_status import build_messages, parse_answer, quoted, read_status
from assistant.casefile.model import CaseFile, Person
from assistant.cli import _case_status_by_model
from assistant.prompts import load_prompts
from assistant.redact import Redactor
from assistant.settings import REPO_ROOT

DRAFT = (
    "Home visit 12/03/2025 re Kayden (6). Seen his mother Jade Briggs on her own in the kitchen. "
    "Her partner Connor Lyle was out.\n"
    "Checks: PNC returned 11/03 - Connor Lyle has two call-outs with an ex-partner.\n"
    "Probation check requested, awaited.\n"
)


def _case() -> CaseFile:
    return CaseFile(
        people=[
            Person(name="Jade Briggs", role="mother", aliases=["M"]),
            Person(name="Connor Lyle", role="new-partner", seen=True),  # the offline reading
            Person(name="Kayden Briggs", role="child", age="6"),
        ]
    )


def _runner(answer: str | BaseException, seen: list[Any] | None = None) -> Any:
    def run(model: Any, messages: Sequence[Any], timeout: float) -> Iterator[str]:
        if seen is not None:
            seen.extend(messages)
        if isinstance(answer, BaseException):
            raise answer
        yield answer

    return run


@pytest.fixture(scope="module")
def prompts() -> Any:
    return load_prompts(REPO_ROOT / "prompts")


def _answer(**people: dict[str, Any]) -> str:
    return (
        "Here you are:\n```json\n"
        + json.dumps({"people": [{"id": k} | v for k, v in people.items()]})
        + "\n```"
    )


def test_quoted_yes_answers_replace_the_offline_reading(prompts: Any) -> None:
    answer = _answer(
        A1={
            "seen": True,
            "seen_quote": "Seen his mother Jade Briggs on her own",
            "seen_alone": True,
            "seen_alone_quote": "on her own in the kitchen",
            "checks": [],
        },
        A2={
            "seen": False,
            "seen_alone": False,
            "checks": [
                {"check": "police", "quote": "PNC returned 11/03 - Connor Lyle has two call-outs"},
                {
                    "check": "probation",
                    "quote": "Probation check came back clear",
                },  # not in the text
            ],
        },
    )
    out = read_status(_case(), DRAFT, None, prompts, run=_runner(answer), timeout=1.0)
    jade, connor, child = out.case.people
    assert (jade.seen, jade.seen_alone, jade.checks) == (True, True, [])
    # the model said he was not seen: its reading replaces the offline one; the probation
    # "check" it quoted from nowhere is dropped
    assert (connor.seen, connor.seen_alone, connor.checks) == (False, False, ["police"])
    assert (child.seen, child.checks) == (False, [])  # children are not asked about
    assert out.read == 2 and "2 of 2 adults" in out.note
    assert "1 of its answers quoted nothing found in the draft" in out.note  # the probation
    assert _case().people[1].seen  # the offline case is not changed in place


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("I cannot help with that.", "unusable"),
        ('{"adults": []}', "unusable"),
        (TimeoutError(), "did not answer in time"),
        (ConnectionError("refused\nmore"), "failed (refused)"),
    ],
)
def test_a_failed_answer_keeps_the_offline_reading(prompts: Any, answer: Any, says: str) -> None:
    out = read_status(_case(), DRAFT, None, prompts, run=_runner(answer), timeout=1.0)
    assert [(p.seen, p.checks) for p in out.case.people] == [
        (p.seen, p.checks) for p in _case().people
    ]
    assert (
        out.read == 0 and out.note.startswith("Status is the offline reading") and says in out.note
    )


def test_an_adult_the_answer_leaves_out_keeps_the_offline_reading(prompts: Any) -> None:
    answer = _answer(
        A1={"seen": True, "seen_quote": "Jade Briggs on her own", "checks": []},
        A7={"seen": True, "seen_quote": "Jade Briggs on her own"},
    )  # no such adult
    out = read_status(_case(), DRAFT, None, prompts, run=_runner(answer), timeout=1.0)
    assert out.case.people[1].seen and out.read == 1


def test_quotes_are_checked_against_the_redacted_text_and_names_never_leave(
    prompts: Any,
) -> None:
    sent: list[Any] = []
    redactor = Redactor()
    messages, text = build_messages(_case(), DRAFT, prompts, Redactor())
    assert "Jade" not in text and "Connor" not in messages[1].content
    assert "A1: " in messages[1].content and "new-partner" in messages[1].content
    # a quote with the real name is not in what was sent, so it proves nothing
    answer = _answer(A1={"seen": True, "seen_quote": "Seen his mother Jade Briggs on her own"})
    out = read_status(
        _case(), DRAFT, None, prompts, run=_runner(answer, sent), timeout=1.0, redactor=redactor
    )
    assert not out.case.people[0].seen
    assert all("Jade" not in str(m.content) for m in sent)


def test_parse_answer_needs_quotes_of_substance() -> None:
    assert quoted("seen  JADE briggs", "Seen Jade Briggs on her own")
    assert not quoted("", "anything") and not quoted("on", "on her own") and not quoted(3, "3")
    # a quote shortened with an ellipsis stands when every piece is there, in order
    assert quoted("Seen Jade ... in the kitchen", "Seen Jade Briggs on her own in the kitchen")
    assert not quoted("in the kitchen … Seen Jade", "Seen Jade Briggs on her own in the kitchen")
    assert not quoted("Seen Jade ... at school", "Seen Jade Briggs on her own in the kitchen")
    assert not quoted("... ... …", "Seen Jade Briggs")
    with pytest.raises(ValueError):
        parse_answer("no json here", DRAFT, ["A1"])
    got = parse_answer(
        '{"people": [{"id": "A1", "seen_alone": "yes", "seen_alone_quote": "on her own", '
        '"checks": [{"check": "Police", "quote": "PNC returned"}, {"check": "gossip", '
        '"quote": "PNC returned"}]}]}',
        DRAFT,
        ["A1"],
    )
    assert got["A1"].seen and got["A1"].seen_alone and got["A1"].checks == ["police"]


def test_the_cli_says_when_the_setting_is_on_without_a_model() -> None:
    on = SimpleNamespace(case_llm=True, prompts_dir=REPO_ROOT / "prompts", llm_timeout=5.0)
    parts = SimpleNamespace(settings=on, llm=None, audit=None)
    out = _case_status_by_model(parts, _case(), DRAFT)  # type: ignore[arg-type]
    assert out is not None and "CURIO_LLM is none" in out.note
    assert out.case.people[1].seen  # the offline reading stands
    off = SimpleNamespace(settings=SimpleNamespace(case_llm=False), llm=None)
    assert _case_status_by_model(off, _case(), DRAFT) is None  # type: ignore[arg-type]


def test_the_app_session_takes_the_model_reading_and_its_note(prompts: Any) -> None:
    from assistant.casepanel import CaseSession

    def reread(case: CaseFile, text: str) -> Any:
        people = {f"A{i}": {"seen": False, "checks": []} for i in range(1, 9)}
        return read_status(case, text, None, prompts, run=_runner(_answer(**people)), timeout=1)

    cs = CaseSession()
    case = cs.extract(DRAFT, reread=reread)
    assert "were read by the configured model" in cs.status_note
    # the offline reading saw Jade; the model did not
    assert not any(p.seen for p in case.people if p.is_family_adult)
    assert any(p.seen for p in CaseSession().extract(DRAFT).people if p.is_family_adult)


def test_asking_a_model_writes_one_audit_line_without_the_draft(
    prompts: Any, tmp_path: Any
) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.audit import AuditLog
    from assistant.casefile.llm_status import status_reader
    from assistant.llm import Backend

    answer = _answer(A1={"seen": True, "seen_quote": "Jade Briggs on her own", "checks": []})
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    model = FakeListChatModel(responses=[answer])
    out = status_reader(Backend(model, "fake-model", True), prompts, 5.0, log)(_case(), DRAFT)
    assert out.read == 1
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    got = [(x["event"], x["model"], x["adults_asked"], x["adults_read"]) for x in lines]
    assert got == [("case_status", "fake-model", 2, 1)]
    assert lines[0]["session"] == ""  # the CLI has no session
    raw = path.read_text(encoding="utf-8")
    assert "Jade" not in raw and "Connor" not in raw and "PNC" not in raw
    # no model configured: nothing is sent, so nothing is logged
    status_reader(None, prompts, 5.0, log)(_case(), DRAFT)
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1


def test_the_apps_audit_line_for_a_model_reading_carries_the_session(
    prompts: Any, tmp_path: Any
) -> None:
    """The app's feedback and decision lines name their session; the line saying the draft
    went to a model for status names it too, so a DPIA can join them."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.app import CurioApp, SessionState
    from assistant.audit import AuditLog
    from assistant.llm import Backend
    from assistant.settings import Settings
    from assistant.types import ReviewResult

    answer = _answer(A1={"seen": True, "seen_quote": "Jade Briggs on her own", "checks": []})
    path = tmp_path / "audit.jsonl"
    curio = SimpleNamespace(
        llm=Backend(FakeListChatModel(responses=[answer]), "fake-model", True),
        prompts=prompts,
        audit=AuditLog(path),
    )
    app = CurioApp(Settings(home=tmp_path / "home", case_llm=True), curio=curio, index=object())
    state = SessionState(draft=DRAFT)
    state.id = "session-7"
    state.chat = SimpleNamespace(last_review=ReviewResult(is_case_material=True), last_draft=DRAFT)
    app.case_panel(state)
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [(x["event"], x["session"]) for x in lines] == [("case_status", "session-7")]
