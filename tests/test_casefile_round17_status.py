"""Issue 14, round seventeen (status): the checks reader sees pairs of cues, and "other" checks
have agencies of their own. Every draft here is invented for these tests."""

from __future__ import annotations

from assistant.casefile.cues import load_cues
from assistant.casefile.extract import read_state
from assistant.casefile.learn_status import check_features

TEXT = (
    "Mother: Senna Tafari. Father: Dawit Haile.\n"
    "Home Office (letter 28/01/2025): Senna Tafari has leave to remain as a dependant.\n"
    "Police: Dawit Haile – one call-out.\n"
)


def _features(name: str, kind: str) -> dict[str, float]:
    state = read_state(TEXT, load_cues(), None)
    i = next(n for n, p in enumerate(state.reader.people) if name in p.forms)
    return check_features(state, i, kind)


def test_the_checks_reader_sees_cues_in_pairs() -> None:
    """The police line about the father joins its label, its answer and the rules' reading in
    pairs (and each cue with the kind of check), so the reader can weigh them together."""
    f = _features("Dawit Haile", "police")
    assert f["at=label^rule"] == 1.0
    assert f["at=label^kind=police"] == 1.0
    assert f["cw=police^kind=police"] == f["cw=police"]  # a word with the kind it says
    words = [k for k in f if k.startswith("cw=") and "^" in k]
    assert words and all(k.endswith("^kind=police") for k in words)  # and with nothing else


def test_a_cue_that_is_not_there_joins_no_pair() -> None:
    """The rules read no police check for the mother: "rule" is 0 for her and pairs with
    nothing (a pair of an absent cue would say nothing about her)."""
    f = _features("Senna Tafari", "police")
    assert f["rule"] == 0.0
    assert not any("rule" in k.split("^") for k in f if "^" in k)


def test_other_agencies_are_read_as_other_checks() -> None:
    """The Home Office's letter about the mother is an "other" agency in her clause; before
    round seventeen "other" had only a few named records (MARAC, housing, Cafcass)."""
    assert _features("Senna Tafari", "other")["at=label"] == 1.0
    assert "at=label" not in _features("Dawit Haile", "other")  # his line is the police's
