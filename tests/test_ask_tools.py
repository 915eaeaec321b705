"""The ask evaluation's own tools (evals/ask/diagnose.py and loso.py): the sorting of misses
into why they missed, and the list of blind-written splits both tools hold out or sort, which
must name every blind prefix in the tuning file (a split moved into tune and forgotten there
would be scored as if it had been tuned on)."""

from __future__ import annotations

import importlib.util
import json
import sys
from types import ModuleType

import pytest

from assistant.ask_eval import AskQuestion, blind_groups
from assistant.settings import REPO_ROOT

ASK = REPO_ROOT / "evals" / "ask"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"ask_tool_{name}", ASK / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def diagnose() -> ModuleType:
    return _load("diagnose")


@pytest.mark.parametrize(
    ("declined", "in_library", "in_sections", "expected"),
    [
        (True, True, True, "d"),  # declined, whatever the library holds
        (True, False, False, "d"),
        (False, False, False, "a"),  # nowhere in the library
        (False, True, False, "b"),  # in the library, not in what was retrieved
        (False, True, True, "c"),  # retrieved, but not chosen
    ],
)
def test_a_miss_is_sorted_by_where_the_key_fact_stopped(
    diagnose: ModuleType, declined: bool, in_library: bool, in_sections: bool, expected: str
) -> None:
    assert diagnose.category(declined, in_library, in_sections) == expected
    assert set(diagnose.CATEGORIES) == {"a", "b", "c", "d"}


def test_both_tools_know_every_blind_split_in_tune(diagnose: ModuleType) -> None:
    rows = [json.loads(x) for x in (ASK / "tune.jsonl").read_text().splitlines() if x.strip()]
    prefixes = {r["id"][:4] for r in rows if r["id"].startswith("aq-")}
    assert len(prefixes) >= 4
    assert set(diagnose.BLIND) == prefixes
    assert set(_load("loso").BLIND) == prefixes


def test_blind_groups_come_from_the_ids_in_first_seen_order() -> None:
    def q(qid: str) -> AskQuestion:
        return AskQuestion(id=qid, question="q?", type="answerable", key_fact=(), note="")

    qs = [q("ask-001"), q("aq-v02"), q("aq-t01"), q("aq-v03"), q("dev-01"), q("aq-k10")]
    assert blind_groups(qs) == ("aq-v", "aq-t", "aq-k")
    assert blind_groups([q("ask-001")]) == ()
