"""The case file's held-out scorer by folds (``python -m evals.casefile --held-out --folds K``):
each fold of tuning files is scored by readers trained on the other folds only, so no learned
reader is scored on labels it was trained on."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.casefile import learn_status
from evals.casefile import FOLDER, evaluate
from evals.casefile.__main__ import main

FILES = ("tune-a.yaml", "tune-b.yaml", "tune-c.yaml")


def test_each_fold_is_scored_by_readers_trained_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in FILES:
        shutil.copy(FOLDER / name, tmp_path / name)
    trained_on: list[set[str]] = []
    fit = learn_status.fit

    def spy(items: Any, roles: Any) -> Any:
        trained_on.append({i["_file"] for i in items})
        return fit(items, roles)

    monkeypatch.setattr(learn_status, "fit", spy)
    total, rows = evaluate("tune", tmp_path, held_out=True, folds=2)
    # files dealt in turn: a and c in one fold, b in the other
    assert sorted(sorted(s) for s in trained_on) == [
        ["tune-a.yaml", "tune-c.yaml"],
        ["tune-b.yaml"],
    ]
    assert {r["file"] for r in rows} == set(FILES) and total.texts == len(rows) == 15
    assert total.adults > 0


def test_folds_go_with_held_out_only(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["--split", "tune", "--folds", "3"],
        ["--split", "tune", "--held-out", "--folds", "1"],
    ):
        with pytest.raises(SystemExit):
            main(argv)
        assert "--folds K goes with --held-out" in capsys.readouterr().err
