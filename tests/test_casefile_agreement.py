"""The second-reader agreement scorer (evals/casefile/agreement.py): a reader's labels are
scored like the extractor's output. Every text here is invented for these tests."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from evals.casefile.agreement import agreement

ITEM = {
    "id": "ag01",
    "split": "tune",
    "text": "Mother: Gail Rook. Father: Ned Pike.\nI saw Gail alone. Police: Ned Pike - nil.\n",
    "people": [
        {
            "name": "Gail Rook",
            "aliases": ["Gail"],
            "role": "mother",
            "age": None,
            "seen": True,
            "seen_alone": True,
            "checks": [],
        },
        {
            "name": "Ned Pike",
            "aliases": [],
            "role": "father",
            "age": None,
            "seen": False,
            "seen_alone": False,
            "checks": ["police"],
        },
    ],
    "events": [],
}


def _write(tmp_path: Path, second: list[dict[str, object]]) -> Path:
    (tmp_path / "tune-ag.yaml").write_text(yaml.safe_dump([ITEM]), encoding="utf-8")
    (tmp_path / "second").mkdir()
    path = tmp_path / "second" / "tune-ag.yaml"
    path.write_text(yaml.safe_dump([{"id": "ag01", "people": second}]), encoding="utf-8")
    return path


def test_the_same_labels_agree_fully(tmp_path: Path) -> None:
    f = agreement(_write(tmp_path, copy.deepcopy(ITEM["people"])), tmp_path).figures()
    assert f["people_right_role_pct"] == 100.0 and f["status_right_pct"] == 100.0


def test_a_check_read_differently_is_a_status_disagreement(tmp_path: Path) -> None:
    second = copy.deepcopy(ITEM["people"])
    second[1]["checks"] = []
    second[0]["role"] = "grandparent"
    f = agreement(_write(tmp_path, second), tmp_path).figures()
    assert f["people_right_role_pct"] == 50.0
    assert f["status_right_pct"] == round(100 * 5 / 6, 1)


def test_a_broken_file_is_one_line_not_a_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from evals.casefile import agreement as module

    (tmp_path / "tune-bad.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(module, "SECOND", tmp_path)
    assert module.main() == 2
    err = capsys.readouterr().err
    assert err.startswith("evals.casefile.agreement: tune-bad.yaml:") and err.count("\n") == 1
