"""Checks and seen status in the shapes blind writers used (issue 14, round four): an agency
table, an answer with no agency of its own, a meeting's list of those present, and roles for
adults with no role word. Every draft here is invented for these tests."""

from __future__ import annotations

import numpy as np
from fakes import person

from assistant.casefile import extract_case, load_cues
from assistant.casefile.extract import apply_role_model, read_people
from assistant.casefile.learn import RoleModel


def test_an_answer_with_no_agency_takes_the_check_before_it() -> None:
    text = (
        "Mother: Lorna Pryce. Stepfather: Dale Pryce. Father: Tomasz Nowak.\n"
        "- Police (DS Okoro): Dale Pryce – one call-out in May. No convictions. "
        "Nothing recorded for Lorna. Tomasz Nowak not known.\n"
        "His immigration status is not known.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Dale Pryce").checks == ["police"]
    assert person(case, "Lorna Pryce").checks == ["police"]
    assert person(case, "Tomasz Nowak").checks == ["police"]


def test_a_pending_check_gives_no_answer_to_carry() -> None:
    text = (
        "Father: Ahmed Said. Mother: Rima Said.\n"
        "Police checks on Ahmed requested, not yet returned. Nothing on Rima.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Rima Said").checks == []


def test_the_agency_table_reads_an_agency_and_its_answer() -> None:
    checks = load_cues().checks
    assert checks["health"].search("GP reports Lorna discussed stress")
    assert checks["previous-authority"].search("Cumbria children's services confirmed on 3/2")
    assert checks["police"].search("PNC – two cautions")
    assert not checks["health"].search("GP appointment booked for Friday")
    text = "Mother: Lorna Pryce.\nChecks: GP reports Lorna discussed stress on 11/02/25.\n"
    assert person(extract_case(text, roles=None), "Lorna Pryce").checks == ["health"]


def test_a_request_for_checks_is_not_a_check() -> None:
    text = (
        "Father: Wes Hurd. Mother: Kim Hurd.\n"
        "Passed to MASH same day for police and health checks on both parents.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Wes Hurd").checks == [] and person(case, "Kim Hurd").checks == []


def test_family_named_on_a_present_line_are_seen_but_not_those_invited() -> None:
    text = (
        "Family meeting 2 May 2025.\n"
        "Present: Gail Ross (mum); Irene Ross (maternal nan). Neil Ross (father) was invited "
        "but did not attend.\n"
        "The plan was agreed.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Gail Ross").seen and person(case, "Irene Ross").seen
    assert not person(case, "Neil Ross").seen


def test_a_denial_on_the_next_line_does_not_unsee_someone_present() -> None:
    """A list of those present that ends without a full stop runs into the next line's
    sentence ("Apologies: ... did not attend"); that denial is the absent person's, not the
    last person on the list's."""
    text = (
        "CORE GROUP MEETING - minutes\n"
        "Date: 6th February 2025, Brookfield Family Hub\n"
        "Attendees: Shanice Cole (mother), Oliver Brandt (SW, chair), "
        "Mrs Lorraine Bryce (maternal grandmother, item 2 only)\n"
        "Apologies: Marcus Reid (father) did not attend, no apology given.\n"
        "The plan was agreed.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Mrs Lorraine Bryce").seen and person(case, "Shanice Cole").seen
    assert not person(case, "Marcus Reid").seen


def test_a_parent_named_in_several_agencies_brackets_stays_the_parent() -> None:
    """ "police (Duc) ...; probation (Duc) ..." is a check on Duc; the brackets' hint that a
    name is the agency's officer counts once, so "Father Duc Tran" still wins."""
    text = (
        "Supervision record.\n"
        "Family: Minh (7). Mother Lan Pham. Father Duc Tran (left after the incident).\n"
        "Checks done: police (Duc) - a previous DA call-out; probation (Duc) - not known.\n"
        "Actions: arrange to see Duc.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Duc Tran").role == "father"
    assert "police" in person(case, "Duc Tran").checks


def test_a_check_on_someone_then_its_result_after_a_colon_is_done() -> None:
    """ "PNC on X: <result>" reports what came back, whatever words the result uses; a check
    still to come in the same form is not done."""
    text = (
        "Mother: Shilan Ahmed. Father: Karwan Hassan. Stepfather: Dilshad Rashid.\n"
        "PNC on Karwan Hassan: one harassment offence.\n"
        "PNC on Dilshad Rashid: requested, awaited.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Karwan Hassan").checks == ["police"]
    assert person(case, "Dilshad Rashid").checks == []


def test_a_request_answered_after_its_colon_is_done() -> None:
    """The request and its answer on one line: what follows the mark decides."""
    text = (
        "Mother: Shanice Cole. Father: Marcus Reid. Partner: Lee Tan.\n"
        "PNC update requested on Mr Reid: police confirm bail conditions expired in January.\n"
        "PNC requested on Lee Tan: awaited.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Marcus Reid").checks == ["police"]
    assert person(case, "Lee Tan").checks == []


def test_speaking_to_officers_is_being_seen_but_a_neighbour_seeing_is_not() -> None:
    """Speaking to a professional goes both ways; a lay person's seeing is no one's visit."""
    text = (
        "PPN. Victim: Bridget Ward (33). Suspect: Patrick Ward (35), partner.\n"
        "Officers attended. Suspect had left. Bridget spoke to officers but declined to give "
        "a statement.\n"
        "Her sister, Margaret Ward, said she saw Patrick leave.\n"
    )
    case = extract_case(text, roles=None)
    assert person(case, "Bridget Ward").seen
    assert not person(case, "Patrick Ward").seen


def test_a_woman_with_children_of_her_own_is_their_mother() -> None:
    text = (
        "Dear Ms Kaur,\nRe: Carys Evans (DOB 02/03/1995) and her children Nia Evans "
        "(DOB 01/05/2019) and Osian Evans (DOB 09/11/2023)\n"
        "Carys: attended on 12/11/2024 with low mood. She said her partner, Mr Huw Bell, "
        "checks her phone.\nMr Bell (Osian's father) is not registered here.\n"
    )
    assert person(extract_case(text, roles=None), "Carys Evans").role == "mother"


def test_the_classifier_never_calls_someone_with_a_partner_a_child() -> None:
    text = "Person at risk: Fern Lacey. Subject: Jon Ware, Fern's new partner.\n"
    reader = read_people(text)
    fern = next(p for p in reader.people if p.first == "Fern")
    vocab = {"bias": 0}
    always_child = RoleModel(
        vocab, ["child", "mother"], np.zeros((2, 1), np.float32), np.array([5.0, 0.0], np.float32)
    )
    apply_role_model(reader, always_child)
    assert fern.role != "child"
