"""The ask evaluation's own tools (evals/ask/diagnose.py and loso.py): the sorting of misses
into why they missed, and the list of blind-written splits both tools hold out or sort, which
must name every blind prefix in the tuning file (a split moved into tune and forgotten there
would be scored as if it had been tuned on)."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

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
    # loso.py builds Curio when run, not when imported; its list is read from the source
    text = Path(ASK / "loso.py").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("BLIND = "))
    assert set(ast.literal_eval(line.split("=", 1)[1].strip())) == prefixes
