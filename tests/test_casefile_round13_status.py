"""Issue 14, round thirteen (status): the learned status readers in the default path, and their
thresholds as data. With round thirteen's thresholds (add 0.7, drop_seen 0.1) they are a second
opinion on the rules: seen alone is theirs outright; a seen or a check the rules did not read
is added only when they are sure; a check the rules read is dropped below even odds, a seen
only when they are nearly sure it was not. The shipped thresholds (all 0.5, round seventeen)
make each reader's call final. Every draft here is invented for these tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes import cue_file_with, person

from assistant.casefile import extract_case, learn_status
from assistant.casefile.cues import Cues, load_cues
from assistant.casefile.learn import RoleModel
from assistant.errors import CurioError

TEXT = (
    "Mother: Jo Parr. Father: Karl Webb.\n"
    "I met Jo Parr at the office.\n"
    "Police: Karl Webb – one call-out.\n"
)


def _always(yes: float) -> RoleModel:
    """A reader that answers yes with this probability whatever it reads."""
    b = float(np.log(yes / (1 - yes)))
    return RoleModel(
        {"bias": 0},
        ["no", "yes"],
        np.zeros((2, 1), dtype=np.float32),
        np.array([-b / 2, b / 2], dtype=np.float32),
    )


SHIPPED = (
    "  add: 0.5\n"
    "  # a seen the rules read (a seeing verb bound to the person) is dropped only below this\n"
    "  drop_seen: 0.5\n"
)
SECOND_OPINION = SHIPPED.replace("add: 0.5", "add: 0.7").replace("drop_seen: 0.5", "drop_seen: 0.1")


@pytest.fixture(scope="module")
def second_opinion(tmp_path_factory: pytest.TempPathFactory) -> Cues:
    """Round thirteen's thresholds: the readers as a second opinion on the rules."""
    return load_cues(cue_file_with(tmp_path_factory.mktemp("r13"), SHIPPED, SECOND_OPINION))


def _read(seen: float, alone: float, checks: float, cues: Cues | None = None):  # type: ignore[no-untyped-def]
    model = learn_status.StatusModel(_always(seen), _always(alone), _always(checks))
    return extract_case(TEXT, cues=cues, roles=None, status=model)


def test_the_rules_reading_stands_where_the_reader_is_unsure(second_opinion: Cues) -> None:
    case = _read(seen=0.4, alone=0.2, checks=0.6, cues=second_opinion)
    assert person(case, "Jo Parr").seen  # the rules' seen, not dropped at 0.4
    assert not person(case, "Karl Webb").seen  # not added at 0.4
    assert person(case, "Karl Webb").checks == ["police"]  # kept at 0.6
    assert person(case, "Jo Parr").checks == []  # not added at 0.6


def test_a_sure_reader_adds_a_seen_and_a_check(second_opinion: Cues) -> None:
    case = _read(seen=0.8, alone=0.2, checks=0.8, cues=second_opinion)
    assert person(case, "Karl Webb").seen
    assert "police" in person(case, "Jo Parr").checks


def test_a_check_the_reader_doubts_is_dropped_and_a_seen_only_when_nearly_sure(
    second_opinion: Cues,
) -> None:
    doubt = _read(seen=0.2, alone=0.2, checks=0.4, cues=second_opinion)
    assert person(doubt, "Karl Webb").checks == []
    assert person(doubt, "Jo Parr").seen  # 0.2 is not sure enough to drop a seeing verb
    sure = _read(seen=0.05, alone=0.2, checks=0.4, cues=second_opinion)
    assert not person(sure, "Jo Parr").seen


def test_seen_alone_is_the_readers_call_and_makes_the_person_seen() -> None:
    case = _read(seen=0.2, alone=0.6, checks=0.4)
    assert person(case, "Karl Webb").seen_alone and person(case, "Karl Webb").seen


def test_the_default_reads_status_with_the_learned_readers_and_roles_none_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.casefile import extract

    text = "Mother: Amy Lowe.\nAmy came to the office without her partner; we talked (r13).\n"
    monkeypatch.setattr(
        extract, "status_model", lambda: learn_status.StatusModel(None, _always(0.9), None)
    )
    assert person(extract_case(text, roles=None), "Amy Lowe").seen_alone is False
    assert person(extract_case(text), "Amy Lowe").seen_alone


def test_the_status_thresholds_are_cue_words_checked_at_load(tmp_path: Path) -> None:
    """A stricter ``add`` in the cue file stops a 0.8 reader adding a seen; a bad value is
    one line naming the key."""
    strict = cue_file_with(tmp_path, "  add: 0.5\n", "  add: 0.9\n")
    model = learn_status.StatusModel(_always(0.8), _always(0.2), _always(0.4))
    case = extract_case(TEXT, cues=load_cues(strict), roles=None, status=model)
    assert not person(case, "Karl Webb").seen
    bad = cue_file_with(tmp_path / "bad", "  add: 0.5\n", "  add: 7\n")
    with pytest.raises(CurioError) as err:
        load_cues(bad)
    assert "status_thresholds.add" in err.value.message and "\n" not in err.value.message


def test_the_shipped_thresholds_make_each_readers_call_final() -> None:
    """Round seventeen: held out, the readers' own call beat the second opinion, so a reader
    at 0.4 drops the rules' seen and check and one at 0.6 adds what the rules did not read."""
    doubt = _read(seen=0.4, alone=0.2, checks=0.4)
    assert not person(doubt, "Jo Parr").seen
    assert person(doubt, "Karl Webb").checks == []
    sure = _read(seen=0.6, alone=0.2, checks=0.6)
    assert person(sure, "Karl Webb").seen
    assert "police" in person(sure, "Jo Parr").checks
