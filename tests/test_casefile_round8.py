"""Issue 14, round eight: checks the ninth blind split (tune-l) showed the rules missing:
agencies joined before one answer, an agency's letter about someone, an unnamed check in a
text about one man's harm, a check on a field's label. Every draft here is invented; each
test fails on the rules before."""

from __future__ import annotations

from fakes import person

from assistant.casefile import extract_case


def test_agencies_joined_before_one_answer_share_it() -> None:
    text = (
        "Father: Mr Rory Tallis.\n"
        "Police and probation checks on Mr Tallis are complete; nothing of concern.\n"
    )
    checks = person(extract_case(text, roles=None), "Mr Rory Tallis").checks
    assert {"police", "probation"} <= set(checks)


def test_an_agencys_reply_about_someone_is_its_check_on_them() -> None:
    text = (
        "From: Probation Service - Westmoor Office\n"
        "To: Children's Services (SW Hana Lisle)\n"
        "Re: Information request - Dario Venn, new partner of Ms Poppy Hart\n\n"
        "Thank you for your request of 2 May. Mr Venn is subject to a Community Order for "
        "assault. He has attended three of five appointments.\n"
    )
    case = extract_case(text, roles=None)
    assert "probation" in person(case, "Dario Venn").checks
    assert "probation" not in person(case, "Ms Poppy Hart").checks  # named after him


def test_a_referral_from_an_agency_is_not_its_check() -> None:
    text = (
        "From: Lou Barr, Health Visitor.\n"
        "Re: baby Nell (6 weeks); mother Kit Orme; father Sol Orme.\n"
        "At the new birth visit I saw a hole in the door. Kit was tearful.\n"
    )
    assert "health" not in person(extract_case(text, roles=None), "Kit Orme").checks


def test_an_unnamed_check_in_a_text_about_one_mans_harm_is_on_him() -> None:
    text = (
        "Strategy discussion re Mia (4). Mother Jo Platt.\n"
        "Jo's partner, Craig Denton, punched Jo and threatened her on 3 May; he was arrested.\n"
        "Checks: PNC shows two cautions for common assault.\n"
    )
    case = extract_case(text, roles=None)
    assert "police" in person(case, "Craig Denton").checks
    assert "police" not in person(case, "Jo Platt").checks


def test_a_check_written_on_a_field_label_is_on_the_person_labelled() -> None:
    text = (
        "Victim: Ada Quist (30)   Perpetrator: Neil Bryce (44), ex-partner\n"
        "Summary: six reports of harassment since they separated.\n"
        "Perpetrator checks: PNC - previous convictions for ABH.\n"
    )
    case = extract_case(text, roles=None)
    assert "police" in person(case, "Neil Bryce").checks
    assert "police" not in person(case, "Ada Quist").checks
