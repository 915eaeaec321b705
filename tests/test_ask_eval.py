"""`curio eval --ask`: the question files, the three figures, and the split discipline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ask_eval import (
    ASK_SPLITS,
    ask_split_path,
    evaluate_ask,
    load_ask_split,
    render_ask_text,
)
from assistant.cli import main
from assistant.errors import CurioError
from assistant.settings import REPO_ROOT
from assistant.types import Answer

ASK = REPO_ROOT / "evals" / "ask"


def write(folder: Path, split: str, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def row(i: str, kind: str = "answerable", facts: list[str] | None = None) -> dict:
    return {
        "id": i,
        "question": f"Question {i}?",
        "type": kind,
        "key_fact": facts if facts is not None else (["14 days"] if kind == "answerable" else []),
        "note": "",
    }


def test_the_shipped_splits_load_and_are_apart() -> None:
    tune, dev = load_ask_split(ASK, "tune"), load_ask_split(ASK, "dev")
    for split in (tune, dev):
        kinds = [q.type for q in split]
        assert kinds.count("answerable") >= 30 and kinds.count("near-domain") >= 10
    assert not {q.question for q in tune} & {q.question for q in dev}
    assert not {q.id for q in tune} & {q.id for q in dev}


def test_a_split_name_picks_exactly_one_file(tmp_path: Path) -> None:
    for split in ASK_SPLITS:
        write(tmp_path, split, [row(f"{split}-1")])
    for split in ASK_SPLITS:
        assert ask_split_path(tmp_path, split) == tmp_path / f"{split}.jsonl"
        assert [q.id for q in load_ask_split(tmp_path, split)] == [f"{split}-1"]
    with pytest.raises(CurioError, match="Unknown ask split 'all'"):
        load_ask_split(tmp_path, "all")
    (tmp_path / "test.jsonl").unlink()
    with pytest.raises(CurioError, match="written separately"):
        load_ask_split(tmp_path, "test")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({**row("a"), "key_facts": ["x"]}, "unknown key"),
        ({**row("a"), "type": "unanswerable"}, "'type' must be"),
        (row("a", facts=[]), "needs at least one key_fact"),
        (row("a", facts=["(unclosed"]), "not a valid regex"),
        ({**row("a"), "question": " "}, "'question' must be"),
    ],
)
def test_bad_rows_are_refused_with_their_line(tmp_path: Path, bad: dict, message: str) -> None:
    write(tmp_path, "dev", [row("ok"), bad])
    with pytest.raises(CurioError, match=message) as err:
        load_ask_split(tmp_path, "dev")
    assert "dev.jsonl line 2" in str(err.value)
    write(tmp_path, "dev", [row("x"), row("x")])
    with pytest.raises(CurioError, match="duplicate id"):
        load_ask_split(tmp_path, "dev")


class Scripted:
    """Answers from a table: question -> (text, declined)."""

    def __init__(self, table: dict[str, tuple[str, bool]]) -> None:
        self.table = table

    def ask(self, question: str) -> Answer:
        text, declined = self.table[question]
        return Answer(text=text, declined=declined)


def test_the_three_figures(tmp_path: Path) -> None:
    write(
        tmp_path,
        "tune",
        [
            row("found", facts=[r"14 (and|to) 28 days"]),
            row("missing", facts=[r"five years"]),
            row("declined", facts=[r"seven years"]),
            row("hit-but-declined", facts=[r"72 hours"]),
            row("nd-declined", "near-domain"),
            row("nd-answered", "near-domain"),
        ],
    )
    questions = load_ask_split(tmp_path, "tune")
    table = {
        "Question found?": ("It lasts 14 to 28 DAYS [1].", False),
        "Question missing?": ("It is an offence [1].", False),
        "Question declined?": ("The library does not cover this.", True),
        "Question hit-but-declined?": ("Up to 72 hours, but declined.", True),
        "Question nd-declined?": ("Not covered.", True),
        "Question nd-answered?": ("An answer [1].", False),
    }
    res = evaluate_ask(Scripted(table), questions, "tune")
    assert (res.answerable, res.key_fact_found, res.answerable_declined) == (4, 1, 2)
    assert (res.near_domain, res.near_domain_declined) == (2, 1)
    assert res.key_fact_pct == 25.0 and res.in_domain_declined_pct == 50.0
    assert res.near_domain_declined_pct == 50.0
    assert len(res.seconds) == 6 and res.latency_ms(0.95) is not None
    text = render_ask_text(res)
    assert "key fact found" in text and "25%" in text and "missing (answerable): key fact" in text
    assert "nd-answered (near-domain): answered" in text
    data = res.to_json()
    assert data["near_domain_declined_pct"] == 50.0 and len(data["questions"]) == 6


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--ask", "--split", "all"], "one split at a time"),
        (["eval", "--ask", "--report", "out"], "--report is for the review evaluation"),
    ],
)
def test_cli_refuses_mixed_up_splits(argv, message, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.integration
def test_curio_eval_ask_runs_one_split(
    corpus_settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    from assistant import settings as settings_module

    evals = tmp_path / "evals"
    write(
        evals / "ask",
        "dev",
        [
            {
                "id": "d1",
                "question": "How long does a DVPO last?",
                "type": "answerable",
                "key_fact": [r"14 (and|to) 28 days"],
                "note": "",
            },
            {
                "id": "d2",
                "question": "How long does a child protection order last in Scotland?",
                "type": "near-domain",
                "key_fact": [],
                "note": "",
            },
        ],
    )
    write(evals / "ask", "tune", [row("never-read")])  # would fail if it were asked
    monkeypatch.setenv("CURIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CURIO_INDEX", str(corpus_settings.index_dir))
    monkeypatch.setenv("CURIO_EVALS_DIR", str(evals))
    monkeypatch.setenv("CURIO_LLM", "none")
    settings_module.get_settings.cache_clear()
    try:
        assert main(["eval", "--ask", "--split", "dev", "--json"]) == 0
    finally:
        settings_module.get_settings.cache_clear()
    data = json.loads(capsys.readouterr().out)
    assert data["split"] == "dev" and [q["id"] for q in data["questions"]] == ["d1", "d2"]
    assert data["key_fact_found_pct"] == 100.0 and data["near_domain_declined_pct"] == 100.0
    assert not (tmp_path / "home" / "audit.jsonl").exists()  # scoring is not use
