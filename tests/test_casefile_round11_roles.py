"""Round eleven of the case file (roles): whose relative a role word names once the learned
and later rules have placed the parents, which child is a sibling by the form of the
document, and a plural role word over the names it lists. Invented sentences."""

from __future__ import annotations

from assistant.casefile import extract_case


def _roles(text: str) -> dict[str, str]:
    return {p.name: p.role for p in extract_case(text, roles=None).people}


def test_a_mothers_mother_is_a_grandparent_once_the_mother_is_known_by_her_children() -> None:
    # Chantal is the mother only by "and her children" (read after the first pass over
    # relations); her mum is then the children's grandparent, not a second mother.
    roles = _roles(
        "Chantal Brook and her children, Ella (6) and Finn (4), are staying with her friend "
        "Maxine Hill, who said she can keep them for a week. Chantal's mum, Doreen Brook, "
        "lives two streets away and visits daily."
    )
    assert roles["Chantal Brook"] == "mother"
    assert roles["Doreen Brook"] == "grandparent"


def test_a_single_child_label_makes_the_other_children_siblings() -> None:
    roles = _roles(
        "Referral from Hillside Primary, 3 March 2025.\n"
        "Child: Poppy Hart (8), Year 4\n"
        "Also at home: Jack Hart (4) and Ruby Hart (2).\n"
        "Poppy told her teacher that mum's boyfriend Dean shouts. Mum, Kerry Hart, was seen "
        "at home on 3 March."
    )
    assert roles["Poppy Hart"] == "child"
    assert roles["Jack Hart"] == "sibling"
    assert roles["Ruby Hart"] == "sibling"


def test_a_child_label_naming_two_children_makes_no_sibling() -> None:
    roles = _roles(
        "Referral from Hillside Primary, 3 March 2025.\n"
        "Child: Jack Hart (4), Ruby Hart (2)\n"
        "Jack told his teacher that mum's boyfriend Dean shouts. Mum, Kerry Hart, was seen "
        "at home on 3 March."
    )
    assert roles["Jack Hart"] == "child"
    assert roles["Ruby Hart"] == "child"


def test_an_adults_own_children_after_the_unborn_baby_are_siblings() -> None:
    roles = _roles(
        "Pre-birth assessment: unborn baby of Tasha Reid (22). EDD 01/05/2025.\n"
        "The baby's father, Callum Price, has two children, Leo (6) and Maisie (3), who live "
        "with their mother in Hull."
    )
    assert roles["Leo"] == "sibling"
    assert roles["Maisie"] == "sibling"


def test_an_adults_own_children_who_are_the_subject_stay_children() -> None:
    roles = _roles(
        "Referral from school on 4 March 2025.\n"
        "Ms Tasha Reid has two children, Leo (6) and Maisie (3). Leo told his teacher that "
        "mum's boyfriend shouts."
    )
    assert roles["Leo"] == "child"
    assert roles["Maisie"] == "child"


def test_a_plural_role_word_covers_each_name_it_lists() -> None:
    roles = _roles(
        "Mum, Jade Hale, and Mia (5) live with the maternal grandparents, Brian Hale and "
        "Susan Hale, since 2 February 2025."
    )
    assert roles["Brian Hale"] == "grandparent"
    assert roles["Susan Hale"] == "grandparent"
