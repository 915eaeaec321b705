"""The case file read twice in one review (the engine's check on unseen adults, then the panel)
is read once: later asks get copies, so a role corrected in one never leaks into another."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.casefile import extract as extract_mod
from assistant.casefile import extract_case

TEXT = (
    "Home visit 4 March 2025. Seen: Ms Dana Kell (mother) and Rio Kell (6). "
    "Mr Owen Pratt, Rio's father, was not seen; police checks on him are awaited."
)


def test_a_second_read_is_a_copy_equal_to_the_first() -> None:
    first = extract_case(TEXT)
    second = extract_case(TEXT)
    assert first.to_json() == second.to_json()
    assert first.people and first.people[0] is not second.people[0]
    second.people[0].role = "professional"  # the app corrects a role in its own copy
    assert extract_case(TEXT).people[0].role == first.people[0].role


def test_the_remembered_read_is_keyed_on_the_role_model(monkeypatch: pytest.MonkeyPatch) -> None:
    extract_case(TEXT)
    calls: list[Any] = []
    real = extract_mod._read_case

    def counting(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(extract_mod, "_read_case", counting)
    extract_case(TEXT)
    assert calls == []  # remembered
    monkeypatch.setattr(extract_mod, "role_model", lambda: None)  # another role model
    extract_case(TEXT)
    assert len(calls) == 1
    extract_case(TEXT, roles=None)  # a caller's own readers are never remembered
    extract_case(TEXT, roles=None)
    assert len(calls) == 3
