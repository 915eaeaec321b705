"""Issue 14, round twenty-nine: a note's own word opening a sentence before a name ("Said Dean
shouts at mummy", "Thanks Jess!!", "1. Chase Samuel's GP") is not part of the name. Before, it
made a second person ("Said Dean") beside the real one, shown as an adult nobody had seen or
checked. Every name here is invented."""

from __future__ import annotations

from assistant.casefile.extract import read_people


def _names(text: str) -> list[list[str]]:
    return [list(p.forms) for p in read_people(text).people]


def test_a_verb_opening_a_sentence_before_a_name_is_not_part_of_it() -> None:
    text = (
        'Tyler seen alone in his bedroom. Dean is mum\'s partner. Said Dean "shouts at mummy". '
        "Mum said he left on Sunday."
    )
    names = _names(text)
    assert not any("Said Dean" in forms for forms in names)
    assert any("Dean" in forms for forms in names)


def test_words_opening_lines_and_list_items_are_read_the_same_way() -> None:
    text = (
        "Covering my leave next week. Thanks Jess!!\n"
        "Jess Turner is the health visitor; many thanks for her help.\n"
        "To do:\n1. Chase Samuel's GP.\n2. Samuel Ade to be seen at home; chase the police."
    )
    flat = [f for forms in _names(text) for f in forms]
    assert "Thanks Jess" not in flat and "Chase Samuel" not in flat
    assert "Jess Turner" in flat and "Samuel Ade" in flat


def test_a_given_name_that_is_also_a_word_stays_whole_when_written_as_a_name_elsewhere() -> None:
    # "will" in small letters, but "Will" capitalised inside a sentence: the writer's name
    text = "Will Turner lives with mum. He will leave on Friday. We saw Will at school."
    assert any("Will Turner" in forms for forms in _names(text))


def test_a_word_never_written_in_small_letters_is_left_as_the_name_it_may_be() -> None:
    # nothing in the draft says "Grace" is a common word here
    text = "Summary. Grace Obi is the mother. Obi is the family name of all three children."
    assert any("Grace Obi" in forms for forms in _names(text))
