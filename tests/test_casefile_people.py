"""How the case at a glance finds people, decides roles and gives seen/checked to the right one.

Every draft here is invented for these tests, in the registers practitioners write in (duty
logs in shorthand, minutes, assessments in prose). None is from the tuning texts, so a rule
fitted to those alone fails here.
"""

from __future__ import annotations

import pytest
from fakes import person

from assistant.casefile import extract_case, find_dates, resolve_dates

MINUTES = """\
Core group 12.12.24. Present: Gemma Lowe (SW), Paul Ince (DSL), mum (Nicole Hart), nan (Sue Hart).
Dad (Wayne Hart) did not attend. Kids: Mason 10, Lily-Mae 6.
Mason seen alone by DSL 09.12 - said Dad 'kicked the door in'. Lily-Mae not seen.
Wayne not seen since August. PNC on Wayne: nil. Probation confirm no involvement.
Actions: SW to visit Wayne; DVDS right to ask for Nicole.
"""


def test_professionals_by_job_title_and_family_by_kinship_word() -> None:
    case = extract_case(MINUTES)
    assert person(case, "Gemma Lowe").role == "professional"
    assert person(case, "Paul Ince").role == "professional"
    assert person(case, "Nicole Hart").role == "mother"  # in the list, but "mum" beside her
    assert person(case, "Sue Hart").role == "grandparent"
    assert person(case, "Wayne Hart").role == "father"
    assert (person(case, "Mason").role, person(case, "Mason").age) == ("child", "10")
    assert (person(case, "Lily-Mae").role, person(case, "Lily-Mae").age) == ("child", "6")
    wayne = person(case, "Wayne Hart")
    assert not wayne.seen and wayne.checks == ["police", "probation"]
    mason = person(case, "Mason")
    assert mason.seen and mason.seen_alone
    assert not person(case, "Lily-Mae").seen


SUPERVISION = """\
Supervision 04/03/25 – SW Priti Shah, TM Oliver Grant
Re: baby Noah Kane (4 weeks). M – Jess Kane (19). F – Tyler Ross (22), not living at the address.
M seen at hospital 28/02 by midwife; F present, would not leave room, so M not seen alone.
F known to police – 3 DA call-outs with ex (PNC 01/03).
Discussed: need to see F on his own and complete probation check.
"""


def test_shorthand_dashes_titles_and_a_check_still_to_do() -> None:
    case = extract_case(SUPERVISION)
    assert person(case, "Priti Shah").role == "professional"
    assert person(case, "Oliver Grant").role == "professional"
    jess, tyler = person(case, "Jess Kane"), person(case, "Tyler Ross")
    assert (jess.role, tyler.role) == ("mother", "father")
    assert "M" in jess.aliases and "F" in tyler.aliases
    assert jess.seen and not jess.seen_alone
    assert tyler.checks == ["police"]  # probation is still to be done
    assert not tyler.seen_alone  # "need to see F on his own" is a plan
    assert person(case, "Noah Kane").role == "child"


PROSE = """\
Single assessment – analysis, 20 October 2025
Amira (7) lives with her mum, Sara Haddad, and her baby brother Zayn. Sara's ex-partner, Omar,
is Amira's father; he moved out in June after police were called.
Omar was seen at the office on 10 October; he denied hitting Sara. Police confirmed a caution
for assault in 2022. Omar's sister Leila sometimes collects Amira.
"""


def test_relatives_are_read_from_whose_they_are() -> None:
    case = extract_case(PROSE)
    assert person(case, "Sara Haddad").role == "mother"
    assert person(case, "Omar").role == "father"  # her ex-partner, but Amira's father
    assert person(case, "Zayn").role == "sibling"  # "her" is Amira, the sentence's subject
    assert person(case, "Leila").role == "other-adult"  # the father's sister: an aunt
    omar = person(case, "Omar")
    assert omar.seen and omar.checks == ["police"]
    # Sara is only the object in the sentence where Omar was seen: the rules leave her unseen.
    # The learned seen reader, retrained with the tuning texts added on 6 December, reads her
    # as seen (docs/limitations.md names it), so this holds the rules' reading.
    assert not person(extract_case(PROSE, status=None), "Sara Haddad").seen


@pytest.mark.xfail(
    strict=True,
    reason="the learned seen reader, retrained on 6 December, reads the object of the sentence "
    "where Omar was seen as seen (docs/limitations.md); strict, so a mend shows here",
)
def test_the_default_reading_leaves_sara_unseen() -> None:
    assert not person(extract_case(PROSE), "Sara Haddad").seen


UNNAMED_FATHER = """\
Visit to Elif and the children at the refuge, 5 May 2025. Ayla (4) drew 'daddy shouting'.
Elif said Mehmet has been messaging her through his sister. I have not spoken to Mehmet.
"""


def test_the_one_roleless_adult_of_each_gender_is_the_parent_the_words_name() -> None:
    case = extract_case(UNNAMED_FATHER)
    assert person(case, "Elif").role == "mother"
    mehmet = person(case, "Mehmet")
    assert mehmet.role == "father" and "daddy" in mehmet.aliases  # not a separate "daddy"
    assert person(case, "sister").role == "other-adult"  # his sister: an adult's sibling
    assert not mehmet.seen


POLICE = """\
PPN 25/08/2024. Victim: Shilan AHMED. Suspect: Karwan RASHID (husband).
Children present: Dilan RASHID (11), Hana RASHID (8).
On arrival RASHID was calm. RASHID arrested for assault. PNC: RASHID no trace.
Dilan told his teacher, Mrs Rao, that 'daddy hurt mummy'. He was seen alone by Mrs Rao.
"""


def test_surnames_in_capitals_arrests_and_quoted_words() -> None:
    case = extract_case(POLICE)
    karwan = person(case, "Karwan RASHID")
    assert karwan.role == "father" and "RASHID" in karwan.aliases
    assert karwan.seen and karwan.checks == ["police"]
    dilan = person(case, "Dilan RASHID")
    assert dilan.role == "child" and "RASHID" not in dilan.aliases
    assert person(case, "Hana RASHID").age == "8"
    assert person(case, "Mrs Rao").role == "professional"
    # "He" opening a sentence is the previous sentence's subject, not the quoted "daddy"
    assert dilan.seen_alone and not karwan.seen_alone


CHECKS = """\
Strategy discussion 3 March 2025. Children: Kai (6).
Mother: Jade Lewis. Father: Marcus Greene. Stepfather: Andre Whitfield.
Police checks on Andre Whitfield: two convictions for assault against a former partner.
Mar 24: Marcus Greene released; probation confirm licence conditions include no contact with Jade.
GP records for Jade show she was prescribed sertraline in December.
Police to consider a DVDS disclosure to Jade. Kerry has still to complete checks on Marcus.
"""


def test_checks_go_to_the_person_checked_not_to_the_one_named_beside() -> None:
    """Whose check it is, read by the rules; the learned readers then weigh whether it came
    back. (Retrained with the seventeenth session's tuning texts, the checks reader puts
    Marcus's probation at 0.43, just under keeping it: noted in evals/casefile/README.md.)"""
    rules = extract_case(CHECKS, status=None)
    assert person(rules, "Marcus Greene").checks == ["probation"]
    for case in (rules, extract_case(CHECKS)):
        andre, marcus, jade = (
            person(case, "Andre Whitfield"),
            person(case, "Marcus Greene"),
            person(case, "Jade Lewis"),
        )
        assert andre.role == "stepfather" and andre.checks == ["police"]
        assert marcus.checks in (["probation"], [])  # never police, health or the DVDS
        assert jade.checks == ["health"]  # "no contact with Jade" is not a check on her, and
        # the DVDS is still to be considered


def test_a_child_seen_with_another_is_not_seen_alone_by_the_next_clause() -> None:
    text = (
        "Leah Morris (9) and Finley Morris (6) were seen together on 2 January and Leah was "
        "seen on her own at school on 7 January. The HV could not see Ms Morris alone."
    )
    case = extract_case(text)
    assert person(case, "Leah Morris").seen_alone
    finley = person(case, "Finley Morris")
    assert finley.seen and not finley.seen_alone
    mother = person(case, "Ms Morris")
    assert mother.seen and not mother.seen_alone  # she was there, just not alone


def test_dates_as_case_systems_and_duty_logs_write_them() -> None:
    text = (
        "Duty – 22/01/25. 2025-01-14: GP referral. Tues 14/1 seen at surgery. "
        "F turned up Sun night. Visit w/c 6/1. Incident on Monday 20th. Summer 2024: separated."
    )
    hits = find_dates(text)
    resolve_dates(text, hits)
    got = {h.written: (h.date.isoformat() if h.date else None) for h in hits}
    assert got["2025-01-14"] == "2025-01-14"
    assert got["Tues 14/1"] == "2025-01-14"
    assert got["Sun night"] == "2025-01-19"  # the Sunday before the note's own date
    assert got["w/c 6/1"] == "2025-01-06"
    assert got["Monday 20th"] == "2025-01-20"  # the month whose 20th is a Monday
    assert "Summer 2024" in got


def test_a_current_partner_is_not_the_former_one() -> None:
    text = (
        "The children's mother, Ms Tanya Reid, was seen at home on 4 March 2025.\n"
        "Ms Reid's former partner, Mr Jason Cole, is the father of Ellie (6) and Sam (3). He has"
        " been spoken to once, by telephone.\n"
        "Ms Reid's current partner, Dan, stays at the home some nights. Nothing is known about"
        " Dan.\n"
    )
    case = extract_case(text)
    jason, dan = person(case, "Mr Jason Cole"), person(case, "Dan")
    assert jason is not dan
    assert (jason.role, dan.role) == ("father", "partner")
    assert not jason.seen  # by telephone is not in person
    assert "Nothing" not in [p.name for p in case.people]


def test_a_line_that_starts_with_what_happened_is_about_the_line_before() -> None:
    text = (
        "Hospital referral 01/04/25\n"
        "Patient: Chantelle Burke (24), attended ED 31/03 with facial injuries.\n"
        "Seen alone by ED nurse; disclosed her partner Reece punched her.\n"
    )
    # the rules' reading (what this test is about); with tune-zj and tune-zk in tuning the
    # learned alone reader gives her less than even odds (the History, round fifteen)
    chantelle = person(extract_case(text, status=None), "Chantelle Burke")
    assert chantelle.seen and chantelle.seen_alone


def test_two_fathers_each_named_for_their_own_children() -> None:
    text = (
        "Review conference – 9 September 2024\n"
        "Children: Kayla Moss (13), Reuben Moss (10), Ivy Moss (18 months).\n"
        "Mother: Rachel Moss. Father of Kayla and Reuben: Dean Moss (in prison). "
        "Father of Ivy: Aaron Shaw.\n"
        "Probation (Dean): release date March 2025; licence conditions include no contact.\n"
        "Kayla's father has written to her; Ivy's father was seen at home on 2 September.\n"
    )
    case = extract_case(text)
    dean, aaron = person(case, "Dean Moss"), person(case, "Aaron Shaw")
    assert (dean.role, aaron.role) == ("father", "father") and dean is not aaron
    assert dean.checks == ["probation"] and not dean.seen
    assert aaron.seen
    assert len([p for p in case.people if p.role == "father"]) == 2


def test_a_record_stated_is_a_police_check_but_a_parents_word_is_not() -> None:
    """The rules' reading (``roles=None``). Since round seventeen the learned checks reader
    has the last word in the default path, with this reading among its features: on a
    two-sentence draft with no agency named it gives the stated conviction 0.43."""
    stated = extract_case(
        "Tia (6) lives with her mother, Ms Jo Pearce. Tia's father, Mr Hart, has a previous "
        "conviction for assaulting a former partner.",
        roles=None,
    )
    assert person(stated, "Mr Hart").checks == ["police"]
    assert person(stated, "former partner").role == "other-adult"
    hearsay = extract_case(
        "Freddie (9 weeks) lives with his mother Ashleigh and father Connor Devlin. Ashleigh "
        "says Connor has a previous conviction for ABH; this has not been verified.",
        roles=None,
    )
    assert person(hearsay, "Connor Devlin").checks == []


def test_a_plural_label_covers_its_list_and_an_age_does_not_break_an_apposition() -> None:
    case = extract_case(
        "Pupil: Maya Okonkwo, Year 3, age 7. Siblings: Daniel (11), baby Grace (8 months).\n"
        "Aggrieved: Leanne Watts (31). Suspect: Craig Watts (34), husband.\n"
        "Children present and spoken to by officers.\n"
    )
    assert person(case, "Maya Okonkwo").role == "child"
    assert person(case, "Daniel").role == "sibling" and person(case, "Grace").role == "sibling"
    assert person(case, "Craig Watts").role == "father"
    assert person(case, "Leanne Watts").role == "mother"  # the one adult left with no role
    assert person(case, "Daniel").seen  # "Children ... spoken to by officers"
