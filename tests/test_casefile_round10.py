"""Issue 14, round ten: checks that come back in other forms (a GP's or midwife's report, a
previous council's records, "recorded", "flags", "holds nothing"), a school's report that is
about its pupils, and presence written without a seeing verb. Every draft here is invented;
each test fails on the rules of round nine."""

from __future__ import annotations

from fakes import person

from assistant.casefile import extract_case


def _checks(text: str, name: str) -> list[str]:
    return person(extract_case(text, roles=None), name).checks


def _seen(text: str, name: str) -> bool:
    return person(extract_case(text, roles=None), name).seen


# --------------------------------------------------------------------------- checks


def test_a_gp_or_midwife_report_is_a_health_check_that_came_back() -> None:
    text = "Mother: Ms Tara Lusk.\nThe midwife reports Tara has attended all her appointments.\n"
    assert "health" in _checks(text, "Ms Tara Lusk")


def test_holding_nothing_on_someone_is_an_answer() -> None:
    text = "Mother: Ms Ivy Penn. Partner: Mr Rob Hale.\nGP holds nothing of relevance on Mr Hale.\n"
    assert "health" in _checks(text, "Mr Rob Hale")


def test_recorded_is_a_police_answer() -> None:
    text = (
        "Mother: Ms Dee Rowan.\n"
        '10.15 Police check on Ms Rowan: 2 previous PPNs, both recorded as "verbal".\n'
    )
    assert "police" in _checks(text, "Ms Dee Rowan")


def test_a_named_councils_records_answer_about_those_named() -> None:
    text = (
        "Mother: Ms Lena Voss. Father: Mr Ari Kade.\n"
        "- Fenton Children's Services (previous authority), on Lena, Ari and both children: "
        "both children subject of CP plans, ended 03/03/22.\n"
    )
    assert "previous-authority" in _checks(text, "Ms Lena Voss")


def test_a_schools_report_is_about_its_pupil_not_the_parent() -> None:
    text = (
        "Mother: Ms Ruth Kane. Father: Mr Joel Kane. Child: Zak Kane (6).\n"
        "04.01.23 - School (DSL Mrs Adey) confirmed Zak said daddy hurt mummy.\n"
    )
    assert "school" not in _checks(text, "Mr Joel Kane")


# ----------------------------------------------------------------------------- seen


def test_coming_in_with_someone_to_meet_the_worker_is_being_seen() -> None:
    text = (
        "Re: Kai Rowe, aged 14.\n"
        "His mother, Rosa Rowe, came in with her partner to meet me and the head of year.\n"
    )
    assert _seen(text, "Rosa Rowe")


def test_doing_most_of_the_talking_is_being_there() -> None:
    text = "Mother: Ms Amy Fenn. Her partner: Mr Lee Drury.\nMr Drury did most of the talking.\n"
    assert _seen(text, "Mr Lee Drury")


def test_a_councils_check_on_several_people_after_its_bracket() -> None:
    text = (
        "Mother: Ms Lena Voss. Father: Mr Ari Kade.\n"
        "- Fenton Children's Services (previous authority), on Lena, Ari and both children: "
        "both children subject of CP plans, ended 03/03/22.\n"
    )
    assert "previous-authority" in _checks(text, "Mr Ari Kade")


def test_recorded_as_victim_is_the_same_agencys_answer_on_her() -> None:
    text = (
        "Mother: Ms Hodan Ali. Father: Mr Omar Farah.\n"
        "- Police: Omar - four DA incidents, one conviction. "
        "Hodan - recorded as victim in all four.\n"
    )
    assert "police" in _checks(text, "Ms Hodan Ali")


def test_checks_on_both_grandparents_are_on_each() -> None:
    text = (
        "Mother: Ms Efe Osei. Maternal grandmother: Ama Osei. Maternal grandfather: Kojo Osei.\n"
        "PNC checks on both grandparents were clear.\n"
    )
    assert "police" in _checks(text, "Ama Osei")
    assert "police" in _checks(text, "Kojo Osei")


def test_speaking_for_both_of_them_is_being_there() -> None:
    text = (
        "Paternal grandfather: Mr Ravi Sahota.\n"
        "At the Cafcass office on 18 March Mr Sahota spoke for both of them.\n"
    )
    assert _seen(text, "Mr Ravi Sahota")


def test_an_agencys_letter_answers_for_whoever_its_own_search_names() -> None:
    text = (
        "From: Sam Ode (Probation Practitioner, Northgate PDU)\n"
        "Subject: RE: information request - Dale Kerr (DOB 03/11/1996)\n"
        "Thanks for your request of 15/04. In answer to your questions:\n"
        "Dale is on licence until June. He says he is 'just friends' with his partner, "
        "Jade Holm, the mother of a baby.\n"
        "I've checked our systems and we hold nothing on Jade.\n"
    )
    assert "probation" in _checks(text, "Jade Holm")
