"""The scenario set meets its brief, and the scoring counts what it says it counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.errors import CurioError
from assistant.evaluation import Scenario, evaluate, load_scenarios, render_text, write_report
from assistant.lenses import LENS_IDS
from assistant.types import Flag, ReviewResult

SCENARIOS = Path(__file__).resolve().parent.parent / "evals" / "scenarios"


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return load_scenarios(SCENARIOS)


def test_scenario_set_meets_the_brief(scenarios: list[Scenario]) -> None:
    assert len(scenarios) >= 40
    required = Counter(lens for s in scenarios for lens in s.required)
    assert all(required[lens] >= 4 for lens in LENS_IDS), required
    splits = Counter(s.split for s in scenarios)
    assert set(splits) == {"tune", "dev", "test"}
    # The test split lives in test-*.yaml alone, written blind to the engine; dev in dev-*.yaml;
    # everything else is tuning data (earlier test splits, once read, are tune-seen-test-*.yaml).
    assert all(s.source.startswith("test-") for s in scenarios if s.split == "test")
    assert all(s.split == "test" for s in scenarios if s.source.startswith("test-"))
    assert all(s.split == "dev" for s in scenarios if s.source.startswith("dev-"))
    assert splits["test"] >= 40 and splits["test"] / len(scenarios) <= 0.5
    not_case = [s for s in scenarios if set(s.forbidden) == set(LENS_IDS)]
    assert len(not_case) >= 2
    thorough = [s for s in scenarios if not s.required and len(s.forbidden) >= 10]
    assert len(thorough) >= 4 + len(not_case)
    for s in scenarios:
        words = len(s.text.split())
        assert 15 <= words <= 1200, (s.id, words)  # from a clipped duty note to an assessment


def _scorer(raised: dict[str, set[str]]):  # type: ignore[no-untyped-def]
    class Stub:
        def review(self, text: str) -> ReviewResult:
            return ReviewResult(flags=[Flag(lens=x, kind="absent") for x in raised[text]])

    return Stub()


def test_evaluate_counts_recall_and_forbidden_hits(tmp_path: Path) -> None:
    scs = [
        Scenario("a", "A", "text a", ("consent", "neglect"), ("exploitation",), "tune"),
        Scenario("b", "B", "text b", ("consent",), ("neglect", "child-voice"), "test"),
    ]
    stub = _scorer({"text a": {"consent", "exploitation"}, "text b": {"consent", "neglect"}})
    res = evaluate(stub, scs)
    assert res.overall.recall == pytest.approx(2 / 3)
    assert res.overall.forbidden_rate == pytest.approx(2 / 3)
    assert res.per_split["test"].recall == 1.0
    assert res.per_lens["consent"].recall == 1.0 and res.per_lens["neglect"].recall == 0.0
    assert res.per_split_lens["test"]["neglect"].forbidden_hits == 1
    assert evaluate(stub, scs, "tune").overall.required == 2
    assert "tune" in render_text(res)
    report = write_report(res, tmp_path / "rep")
    assert report.read_text().startswith("# Curio review evaluation")
    assert (tmp_path / "rep" / "per_lens.png").stat().st_size > 1000


def test_bad_scenarios_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("- {id: x, text: hi, required: [not-a-lens]}\n")
    with pytest.raises(CurioError, match="unknown lens"):
        load_scenarios(tmp_path)
    with pytest.raises(CurioError, match="No scenario folder"):
        load_scenarios(tmp_path / "missing")
