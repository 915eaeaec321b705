"""Issue 14, round twenty-five: a name written wholly in capitals, as police research e-mails and
court statements write them ("SAIMA AKHTAR (M) - NTR on PNC", "STATEMENT OF HELEN MARSH,
SOCIAL WORKER"), is a person when the words after it describe one; and the learned seen and
alone readers also read seeing words in the person's sentence outside their clause ("Keith told
me, when seen alone, ...") and in the rest of a line the person heads. Every draft here is
invented for these tests."""

from __future__ import annotations

from assistant.casefile import extract_case
from assistant.casefile.cues import load_cues
from assistant.casefile.extract import read_state
from assistant.casefile.learn_status import person_features

POLICE = (
    "From: MASH Police Desk - DS Karen Ellery\n"
    "Systems: PNC, PND.\n"
    "SAIMA AKHTAR (M) - NTR on PNC/PND.\n"
    "IMRAN AKHTAR (F) - PNC: ABH 2016 on a former partner.\n"
    "MOHAMMED AKHTAR (PGF, 66) - NTR.\n"
    "Child: Zara Akhtar (4).\n"
)


def _roles(text: str) -> dict[str, str]:
    return {p.name: p.role for p in extract_case(text, roles=None, status=None).people}


def test_a_name_in_capitals_with_a_family_code_after_it_is_that_person() -> None:
    case = extract_case(POLICE, roles=None, status=None)
    people = {p.name: p for p in case.people}
    assert people["SAIMA AKHTAR"].role == "mother", people
    assert people["IMRAN AKHTAR"].role == "father", people
    assert people["MOHAMMED AKHTAR"].role == "grandparent", people
    assert "F" not in people and "M" not in people, people


def test_a_statement_author_in_capitals_is_the_worker_not_the_role_words() -> None:
    text = (
        "RE: TOBI ADEBAYO (AGE 4)\n"
        "STATEMENT OF HELEN MARSH, SOCIAL WORKER\n"
        "1. I am the allocated social worker for Tobi.\n"
    )
    roles = _roles(text)
    assert roles.get("HELEN MARSH") == "professional", roles
    assert "TOBI ADEBAYO" in roles, roles
    assert "SOCIAL WORKER" not in roles, roles


def test_capitals_before_a_worker_in_brackets_or_without_vowels_stay_headings() -> None:
    """The guard: "POLICE CHECKS (DS Finnegan)" is a heading with who did the checks, and
    "RGN SCPHN(HV)" are a nurse's qualifications, not people."""
    text = (
        "POLICE CHECKS (DS Finnegan)\n"
        "- Nathan Oyelaran: two DA call-outs.\n"
        "Bernadette Quinn RGN SCPHN(HV)\n"
    )
    names = {n.lower() for n in _roles(text)}
    assert not any("checks" in n or "scphn" in n for n in names), names


def _features(text: str, name: str) -> dict[str, float]:
    state = read_state(text, load_cues(), None)
    i = next(n for n, p in enumerate(state.reader.people) if name in p.forms)
    return person_features(state, i)


def test_seeing_words_outside_the_persons_clause_are_read() -> None:
    f = _features("Keith Doyle told me, when seen alone, that he is worried.\n", "Keith Doyle")
    assert f.get("sent:alone:pos:clear:subj") == 1.0, sorted(f)


def test_seeing_words_past_another_person_are_marked_so() -> None:
    """The guard: a seeing word nearer someone else is still read, but marked as past them."""
    text = "Dean Hale had left; Amy Hale was seen alone by the nurse on 3 May.\n"
    f = _features(text, "Dean Hale")
    assert f.get("sent:alone:pos:other:subj") == 1.0, sorted(f)
    assert "sent:alone:pos:clear:subj" not in f, sorted(f)
