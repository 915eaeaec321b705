"""The learned whole-text judge: what it learns, how its threshold is chosen, its cache, and
how the reviewer uses it (small fakes); the shipped judge on real texts is in
test_review_model.py's integration tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_review import CASE, CUES, FakeLensModel

from assistant.lenses import LENS_IDS, load_catalogue
from assistant.review import Reviewer
from assistant.review.decide import COVERAGE, MENTION, NEITHER, SHORTFALL, DecisionParams
from assistant.review.judge import (
    Judge,
    JudgeRow,
    choose_threshold,
    features,
    fit_judge,
    load_judge,
    load_or_fit_judge,
    save_judge,
)
from assistant.settings import REPO_ROOT

N = len(LENS_IDS)
PAP = LENS_IDS.index("perpetrator-absence-plan")


def text_probs(rng: np.random.Generator, state: int, lens: int, n: int = 6) -> np.ndarray:
    """A text of ``n`` sentences where one sentence reads ``state`` for ``lens``."""
    probs = np.zeros((n, N, 4), dtype=np.float32)
    probs[:, :, NEITHER] = 1.0
    at = int(rng.integers(n))
    strength = float(rng.uniform(0.6, 0.95))
    probs[at, lens] = (1 - strength) / 3
    probs[at, lens, state] = strength
    return probs


def synthetic_rows(seed: int = 0, count: int = 80) -> list[JudgeRow]:
    """Texts that fall short on a lens when a sentence falls short on it and nothing covers
    it; texts that cover it are good practice."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(count):
        lens = int(rng.integers(N))
        short = k % 2 == 0
        probs = text_probs(rng, SHORTFALL if short else COVERAGE, lens)
        req = np.zeros(N, dtype=bool)
        forb = np.zeros(N, dtype=bool)
        (req if short else forb)[lens] = True
        rows.append(JudgeRow(probs, 0.9, np.ones(N, dtype=bool), req, forb))
    return rows


def test_features_have_one_row_per_lens_and_a_text_with_no_sentences_is_read() -> None:
    rng = np.random.default_rng(1)
    x = features(text_probs(rng, SHORTFALL, PAP), 0.9, np.ones(N, dtype=bool))
    assert x.shape[0] == N and np.isfinite(x).all()
    assert x[PAP, 0] > 0.5 and x[(PAP + 1) % N, 0] == 0.0  # the strongest shortfall is its own
    empty = features(np.zeros((0, N, 4), dtype=np.float32), 0.1, np.ones(N, dtype=bool))
    assert empty.shape == x.shape


def test_the_judge_learns_shortfall_from_coverage_and_chooses_its_threshold_out_of_fold() -> None:
    judge, stats = fit_judge(synthetic_rows(), LENS_IDS, weight=2.0)
    assert stats["cv_recall"] >= 0.9 and stats["cv_forbidden_hit"] <= 0.1
    rng = np.random.default_rng(7)
    gates = np.ones(N, dtype=bool)
    raised, scores = judge.flags(text_probs(rng, SHORTFALL, PAP), 0.9, gates)
    assert raised[PAP] and scores[PAP] >= judge.threshold
    raised, _ = judge.flags(text_probs(rng, COVERAGE, PAP), 0.9, gates)
    assert not raised[PAP]
    shut = gates.copy()
    shut[PAP] = False  # an exact-fact gate that fails keeps the lens down whatever the score
    assert not judge.flags(text_probs(rng, SHORTFALL, PAP), 0.9, shut)[0][PAP]


def test_the_threshold_trades_recall_against_forbidden_hits_by_the_weight() -> None:
    req = np.array([True, False])
    forb = np.array([False, True])
    rows = [JudgeRow(np.zeros((1, 2, 4)), 1.0, np.ones(2, dtype=bool), req, forb)] * 2
    scores = [np.array([0.8, 0.3]), np.array([0.4, 0.5])]
    # at 0.3 both required and both forbidden rise; above 0.5 one required, no forbidden
    threshold, recall, forbidden = choose_threshold(scores, rows, weight=2.0)
    assert 0.5 < threshold <= 0.8 and recall == 0.5 and forbidden == 0.0
    threshold, recall, _ = choose_threshold(scores, rows, weight=0.1)
    assert threshold <= 0.4 and recall == 1.0


def test_a_fitted_judge_survives_the_cache_and_a_damaged_file_is_rebuilt(tmp_path: Path) -> None:
    judge, _ = fit_judge(synthetic_rows(), LENS_IDS, weight=2.0)
    path = tmp_path / "lens-judge-x.pkl"
    save_judge(path, judge, "key-1")
    again = load_judge(path, "key-1")
    probs = text_probs(np.random.default_rng(3), SHORTFALL, PAP)
    gates = np.ones(N, dtype=bool)
    assert np.allclose(again.scores(probs, 0.9, gates), judge.scores(probs, 0.9, gates))
    with pytest.raises(ValueError, match="other data"):
        load_judge(path, "key-2")
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum"):
        load_judge(path, "key-1")
    said: list[str] = []
    fitted: list[int] = []

    def rows() -> list[JudgeRow]:
        fitted.append(1)
        return synthetic_rows()

    rebuilt = load_or_fit_judge(path, "key-1", rows, LENS_IDS, 2.0, said.append)
    assert fitted and any("checksum differs" in s and "rebuilding it" in s for s in said)
    assert all("\n" not in s for s in said)
    assert load_judge(path, "key-1").threshold == rebuilt.threshold


class FakeJudge:
    """Raises the lenses it is given, whatever the readings say."""

    def __init__(self, lenses: set[str]) -> None:
        self.lenses = lenses

    def flags(self, probs, about_family, gates):  # type: ignore[no-untyped-def]
        up = np.array([lens in self.lenses for lens in LENS_IDS]) & gates.astype(bool)
        return up, np.where(up, 0.9, 0.1)


def test_the_reviewer_lets_the_judge_decide_and_the_readings_choose_the_evidence() -> None:
    catalogue = load_catalogue(REPO_ROOT / "prompts" / "lenses.yaml")
    judge = FakeJudge(
        {"perpetrator-absence-plan", "past-behaviour", "consent", "perpetrator-invisible"}
    )
    reviewer = Reviewer(FakeLensModel(CUES), catalogue, params=DecisionParams(), judge=judge)
    # Dean with a role word of his own: with no role word the learned role classifier decides
    # him, weakly (0.26 grandparent once tune-zl joined tuning), and the unseen-adult check
    # leaves grandparents out; this test is about the judge and the evidence, not his role
    case = CASE.replace("Dean Hale moved out", "Her partner Dean Hale moved out")
    flags = {f.lens: f for f in reviewer.review(case).flags}
    # the thresholds alone would also raise protective-parent-burden; the judge did not. It
    # raised consent, but nothing in the text touches consent: no "missing" flag to point with
    assert set(flags) == {"perpetrator-absence-plan", "past-behaviour", "perpetrator-invisible"}
    assert flags["perpetrator-absence-plan"].kind == "present"
    assert [e.text for e in flags["perpetrator-absence-plan"].evidence] == ["Case to close."]
    assert flags["past-behaviour"].kind == "absent"
    assert "previous partner" in flags["past-behaviour"].evidence[0].text
    # no sentence raises the unseen adult: the case model points at him
    unseen = flags["perpetrator-invisible"]
    assert unseen.kind == "absent" and any("Dean" in e.text for e in unseen.evidence)
    assert all(f.score == 0.9 for f in flags.values())
    without = Reviewer(FakeLensModel(CUES), catalogue, params=DecisionParams())
    assert "protective-parent-burden" in {f.lens for f in without.review(case).flags}


def test_a_text_about_no_family_is_not_judged() -> None:
    catalogue = load_catalogue(REPO_ROOT / "prompts" / "lenses.yaml")
    judge = FakeJudge(set(LENS_IDS))
    reviewer = Reviewer(FakeLensModel(CUES, family=0.1), catalogue, judge=judge)
    assert reviewer.review(CASE).flags == []


def test_mention_only_texts_have_their_relevance_in_the_features() -> None:
    rng = np.random.default_rng(5)
    x = features(text_probs(rng, MENTION, PAP), 0.9, np.ones(N, dtype=bool))
    assert x[PAP, 3] > 0.5 and x[PAP, 0] == 0.0  # in play, nothing falls short
    assert isinstance(Judge(None, 0.5, LENS_IDS).lenses, tuple)


def test_the_judge_learns_from_tune_texts_only(tmp_path: Path) -> None:
    """dev and test texts are never read to fit the judge (the split is the file's label);
    tune texts not about a family are read, since a review can still reach the judge with one."""
    import yaml

    from assistant.review import load_judge_for

    def scenario(i: int, split: str, short: bool) -> dict[str, object]:
        lens = "perpetrator-absence-plan"
        text = f"Visit {i} to Kayla (4). Dean Hale moved out. " + (
            "Case to close." if short else "The bail end date is 3 May."
        )
        return {
            "id": f"{split}-{i}",
            "split": split,
            "text": text,
            "required": [lens] if short else [],
            "forbidden": [] if short else [lens],
        }

    tune = [scenario(i, "tune", i % 2 == 0) for i in range(60)]
    agendas = [
        {
            "id": f"agenda-{i}",
            "split": "tune",
            "quality": "not-family",
            "text": f"Team meeting item {i}: MARAC rota and the bail training day.",
            "required": [],
            "forbidden": ["perpetrator-absence-plan"],
        }
        for i in range(4)
    ]
    held = [scenario(i, s, True) for i in range(3) for s in ("dev", "test")]
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(tune), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(held), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(agendas), encoding="utf-8")
    catalogue = load_catalogue(REPO_ROOT / "prompts" / "lenses.yaml")
    model = FakeLensModel(CUES)
    read: list[str] = []
    reviewer = Reviewer(model, catalogue, params=DecisionParams())
    original = reviewer.read

    def spy(text: str):  # type: ignore[no-untyped-def]
        read.append(text)
        return original(text)

    reviewer.read = spy  # type: ignore[method-assign]
    judge = load_judge_for(reviewer, tmp_path)
    assert len(read) == 64  # 60 tune texts about a family and 4 agendas; no dev or test text
    assert {str(s["text"]) for s in tune + agendas} == set(read)
    reviewer.judge = judge
    flagged = {f.lens for f in reviewer.review(tune[0]["text"]).flags}  # type: ignore[arg-type]
    assert "perpetrator-absence-plan" in flagged
    assert "perpetrator-absence-plan" not in {
        f.lens
        for f in reviewer.review(tune[1]["text"]).flags  # type: ignore[arg-type]
    }


def test_tune_texts_with_nothing_to_learn_from_are_one_line(tmp_path: Path) -> None:
    import yaml

    from assistant.errors import CurioError
    from assistant.review import load_judge_for

    rows = [
        {"id": f"t-{i}", "split": "tune", "text": f"Visit {i} to Kayla (4).", "required": []}
        for i in range(8)
    ]
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(rows), encoding="utf-8")
    catalogue = load_catalogue(REPO_ROOT / "prompts" / "lenses.yaml")
    reviewer = Reviewer(FakeLensModel(CUES), catalogue, params=DecisionParams())
    with pytest.raises(CurioError, match="cannot learn") as exc:
        load_judge_for(reviewer, tmp_path)
    assert "\n" not in str(exc.value)
    with pytest.raises(CurioError, match="No scenario folder"):
        load_judge_for(reviewer, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CurioError, match="no tune scenarios"):
        load_judge_for(reviewer, tmp_path / "empty")
