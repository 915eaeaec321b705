"""Redaction before a remote model: every kind of identifier out, and back in exactly."""

from __future__ import annotations

from assistant.redact import Redactor

IDENTIFIERS = {
    "PERSON": ["Kayden Holt", "Stacey Holt", "Tyrone Bello", "Maisie", "Dean Walsh"],
    "DATE": ["03/11/1990", "4 March 2024"],
    "NHS_NUMBER": ["943 476 5919", "485 777 3456"],
    "PHONE": ["07700 900123", "0117 496 0000"],
    "EMAIL": ["stacey.holt@example.com"],
    "POSTCODE": ["HB4 7QT"],
    "ADDRESS": ["14 Larkspur Close"],
}

TEXT = """Referral: Kayden Holt (7) lives with his mother, Stacey Holt, at 14 Larkspur Close,
Harbourside HB4 7QT. Mum's partner Dean Walsh (DOB 03/11/1990) left in May. Kayden's father,
Mr Tyrone Bello, phones on 07700 900123. Contact: stacey.holt@example.com, NHS number
943 476 5919, or 485 777 3456. Baby Maisie born 4 March 2024. The school said Kayden was quiet.
Call 0117 496 0000. Working Together 2023 applies."""


def test_every_identifier_is_redacted_and_restored() -> None:
    r = Redactor()
    red = r.redact(TEXT)
    for kind, values in IDENTIFIERS.items():
        for value in values:
            assert value not in red, (kind, value)
        assert f"<{kind}_1>" in red, kind
    for first in ("Kayden", "Stacey", "Dean", "Tyrone"):
        assert first not in red
    assert "Working Together 2023" in red  # a bare year identifies nobody
    assert r.restore(red) == TEXT


def test_same_value_same_placeholder_across_turns() -> None:
    r = Redactor()
    one = r.redact("Her son Kayden (7) was seen at school.")
    two = r.redact("Kayden said he was scared.")  # a name met once is caught without cues
    assert one.split()[2] == two.split()[0] == "<PERSON_1>"
    assert r.restore(two) == "Kayden said he was scared."


def test_names_introduced_earlier_are_learned() -> None:
    r = Redactor()
    r.learn(["The children, Zephyrine (9) and Oakley (4), live with their mother."])
    assert "Zephyrine" not in r.redact("Zephyrine told her teacher about the shouting.")


def test_restore_tolerates_model_spacing() -> None:
    r = Redactor()
    red = r.redact("Mr Dean Walsh attended.")
    assert red == "Mr <PERSON_1> attended."
    assert r.restore("< PERSON_1 > and PERSON_1") == "Dean Walsh and Dean Walsh"
    assert r.restore("<PERSON_9>") == "<PERSON_9>"  # unknown placeholders are left alone


def test_guidance_words_are_not_names() -> None:
    r = Redactor()
    text = "The Police and the School should share information under Section 47 of the Act."
    assert r.redact(text) == text
