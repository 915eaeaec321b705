"""Issue 14, round nine: seen, seen alone and checks read from the structure of the sentence
(who is the subject of a seeing or of coming in person, what a denial or a phone call is
attached to, whom a check's answer is about). Every draft here is invented; each test fails
on the rules of round eight."""

from __future__ import annotations

from fakes import person

from assistant.casefile import extract_case


def _seen(text: str, name: str) -> bool:
    return person(extract_case(text, roles=None), name).seen


# ----------------------------------------------------------------------------- seen


def test_a_contraction_denies_a_seeing() -> None:
    text = "Mother: Ms Nia Vance.\nFather: Mr Dane Voss.\nI haven't spoken to Mr Voss.\n"
    assert not _seen(text, "Mr Dane Voss")


def test_no_professional_has_met_him_is_a_denial() -> None:
    text = (
        "Mother: Ms Lia Crane. Her partner, Kai Brent, works away.\nNo professional has met Kai.\n"
    )
    assert not _seen(text, "Kai Brent")


def test_an_agencys_attendance_sees_no_one_in_particular() -> None:
    text = (
        "Mother: Lia Hart. Her partner: Tom Reyes.\n"
        "CIN plan started after police attended a DA incident between Lia and Tom on 2 May.\n"
    )
    assert not _seen(text, "Tom Reyes")
    found = "Father: Wayne Cole. Mother: Kim Dean.\nPolice attend - Wayne and Kim arguing.\n"
    assert _seen(found, "Wayne Cole")  # what the police found on arrival they saw


def test_a_passive_seeing_is_its_subjects_not_someone_named_before() -> None:
    text = (
        "Mother: Ella Roe. Her boyfriend: Dean Platt.\n"
        "To MASH for police checks on Dean and Ella, and to ask the HV when Mia was last seen.\n"
    )
    assert not _seen(text, "Ella Roe")


def test_phoning_during_a_visit_is_not_being_seen() -> None:
    text = "Mother: Jo Hale.\nMaternal grandmother, Pat Hale, phoned during the visit.\n"
    assert not _seen(text, "Pat Hale")


def test_someone_who_may_be_present_is_not_seen() -> None:
    text = (
        "Father: Lee Dawes. His mother, Carol Dawes, has the boy for contact; Lee may be present.\n"
    )
    assert not _seen(text, "Lee Dawes")


def test_someone_who_had_left_on_arrival_is_not_seen() -> None:
    text = "Mother: Ana Sood. Partner: Ravi Sood.\nRavi gone on arrival, not located.\n"
    assert not _seen(text, "Ravi Sood")


def test_the_subject_of_coming_in_person_is_seen() -> None:
    text = (
        "Home visit to Ms Amy Lowe and the children.\n"
        "Amy's partner, Kyle Benton, arrived 20 mins into the visit.\n"
    )
    assert _seen(text, "Kyle Benton")
    reported = (
        "Call from MGM Rose Farrow.\n"
        "MGM reports Stacey Farrow arrived at the house on Saturday with her ex, Jason Pell.\n"
    )
    assert not _seen(reported, "Stacey Farrow")  # someone else's account, not a visit


def test_an_injury_seen_on_someone_is_a_seeing_unless_a_relative_saw_it() -> None:
    text = "Police log. Mother: Marta Kolar.\nMs Kolar had red marks to her neck.\n"
    assert _seen(text, "Marta Kolar")
    lay = (
        "Call from MGM, Mrs Gloria Bell, re her daughter Toni Bell.\n"
        "MGM visited yesterday: Toni had a black eye and said she fell.\n"
    )
    assert not _seen(lay, "Toni Bell")


def test_seen_alone_after_an_interpreter() -> None:
    text = (
        "Father: Aras Petras.\n"
        "Mr Petras was seen at home with a Lithuanian interpreter, and seen alone at the "
        "office on 18 Sept.\n"
    )
    assert person(extract_case(text, roles=None), "Aras Petras").seen_alone


def test_an_interpreter_by_phone_does_not_make_a_visit_remote() -> None:
    text = "Case log.\n10/2 - M (Mina Azadi) seen alone at home, Kurdish interpreter by phone.\n"
    p = person(extract_case(text, roles=None), "Mina Azadi")
    assert p.seen and p.seen_alone


def test_by_phone_makes_only_its_own_contact_remote() -> None:
    text = "Father: Murat Kaya.\n- Murat seen at home 17/2 and spoken to by phone 21/2.\n"
    assert _seen(text, "Murat Kaya")


# ----------------------------------------------------------------------------- checks


def _checks(text: str, name: str) -> list[str]:
    return person(extract_case(text, roles=None), name).checks


def test_a_negation_inside_an_agencys_answer_is_not_a_pending_check() -> None:
    text = (
        "Mother: Mrs Grace Amos.\n"
        "GP confirmed Mrs Amos was prescribed antidepressants and has not attended for review.\n"
    )
    assert "health" in _checks(text, "Mrs Grace Amos")


def test_a_check_about_the_children_is_not_carried_to_an_adult() -> None:
    text = (
        "Stepfather: Lee Garner.\n"
        "PNC on Lee: two DA call-outs.\n"
        "School and nursery records checked for both children.\n"
    )
    assert "school" not in _checks(text, "Lee Garner")


def test_a_childrens_services_record_of_someones_child_is_a_check_on_them() -> None:
    text = (
        "Father: Jordan Bell.\n"
        "Lancashire children's services (previous authority) confirmed on 20/03/2025 that "
        "Jordan's son was made subject to a care order in 2022.\n"
    )
    assert "previous-authority" in _checks(text, "Jordan Bell")


def test_the_person_not_to_be_contacted_is_not_the_one_checked() -> None:
    text = (
        "Mother: Sinead Moss. Father: Conor Hale.\n"
        "Police have confirmed Conor is living at his mother's with a condition not to "
        "contact Sinead.\n"
    )
    assert "police" not in _checks(text, "Sinead Moss")
    assert "police" in _checks(text, "Conor Hale")


def test_checks_on_a_to_do_line_have_not_come_back() -> None:
    text = (
        "Mother: Kelly Marsh.\n"
        "Handover to day team for Mon 24th: visit Kelly and baby at nan's, police and PNC "
        "checks, HV to be informed.\n"
    )
    assert "police" not in _checks(text, "Kelly Marsh")


def test_a_request_answered_after_a_dash_came_back() -> None:
    text = (
        "Father: F (Dale Kerr).\n"
        "PNC check on F requested via police DA unit - 2 previous DA call-outs involving F.\n"
    )
    assert "police" in _checks(text, "Dale Kerr")
