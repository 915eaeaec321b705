"""The ask composer, ninth round (issue 18): a document's boilerplate, a line repeated word for
word under every heading, names the document and does not answer; it is quoted only when it has
what the question's type asks for.

Unit tests use small invented passages through a fake retriever and the real embedding model;
one builds a real index in a temporary folder.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from fakes import ChunkIndex, FakeRetriever, invented_hit

from assistant.answer import Composer, Library, analyse, terms
from assistant.types import Hit

hit = partial(
    invented_hit,
    kind="inspection-finding",
    jurisdiction="england",
    title="Invented monitoring visit letter",
)

HEAD = (
    "Local authority: Invented Borough Council\n"
    "Visit date: 3 and 4 March 2025 (letter dated 1 April 2025)\n"
)
FINDINGS = [
    (
        "Supervision and management oversight",
        "Area of practice: Supervision and management oversight\n"
        "What was found: Supervision happened every month, but records rarely said what the "
        "work had changed for the children.",
    ),
    (
        "Referrals from partner agencies",
        "Area of practice: Referrals from partner agencies\n"
        "What was found: Most referrals from health and schools gave too little detail to act on.",
    ),
    (
        "Strategy discussions",
        "Area of practice: Strategy discussions\n"
        "What was found: Strategy discussions were held promptly and police attended most of them.",
    ),
]


def letter(relevance: float = 0.6) -> list[Hit]:
    return [
        hit(n, HEAD + body, relevance=relevance - 0.02 * n, section=section)
        for n, (section, body) in enumerate(FINDINGS)
    ]


def compose(embedder: Any, rules: Any, question: str, hits: list[Hit]):
    c = Composer(embedder, rules, Library(FakeRetriever(hits)), cache_dir=None)
    comp = c.compose(question, hits)
    return comp, c.render(comp)


def test_a_line_repeated_under_every_heading_is_not_quoted_as_the_answer(embedder, rules) -> None:
    q = "What did the inspectors say about supervision on the monitoring visit?"
    comp, ans = compose(embedder, rules, q, letter())
    assert not comp.declined, ans.text
    quoted = " ".join(u.text for u in comp.picks)
    assert "records rarely said what the work had changed" in quoted
    assert "Local authority:" not in quoted and "Visit date:" not in quoted
    # the same letter with boilerplate never recognised quotes its header lines: the rule is
    # what keeps them out
    loose = replace(rules, boilerplate_sections=1000)
    comp, _ = compose(embedder, loose, q, letter())
    quoted = " ".join(u.text for u in comp.picks)
    assert "Local authority:" in quoted or "Visit date:" in quoted


def test_a_repeated_line_still_answers_what_its_type_asks_for(embedder, rules) -> None:
    """ "When was the visit?" wants a date, and the repeated "Visit date: ..." line has it."""
    comp, ans = compose(embedder, rules, "When did the monitoring visit take place?", letter())
    assert not comp.declined, ans.text
    assert "3 and 4 March 2025" in ans.text


def test_a_line_in_one_section_only_is_not_boilerplate(embedder, rules) -> None:
    hits = letter()
    library = Library(FakeRetriever(hits))
    texts = [h.chunk.text for h in hits]
    assert (
        library.repeats("Visit date:  3 and 4 March 2025 (letter dated 1 April 2025)", texts) == 3
    )
    assert library.repeats("Area of practice: Strategy discussions", texts) == 1
    assert library.repeats("", texts) == 0


def test_the_library_counts_repeated_lines_across_its_sections() -> None:
    retriever = FakeRetriever([])
    retriever.index = ChunkIndex([h.chunk for h in letter()])  # type: ignore[attr-defined]
    library = Library(retriever)
    assert library.repeats("Local authority: Invented Borough Council") == 3
    # counted once per section, and a line that is not repeated counts as nothing
    assert library.repeats("Area of practice: Strategy discussions") == 0
    assert library.repeats("Local authority: Another Council") == 0


# ---------------------------------------------------------------------------- invented examples

GUIDANCE = "A MARAC referral does not replace a referral to children's social care for the child."
EXAMPLE = (
    "Under this invented procedure, staff who refer to MARAC also refer the child to children's "
    "social care the same day."
)


def scored(embedder: Any, rules: Any, question: str) -> dict[str, float]:
    hits = [
        invented_hit(0, GUIDANCE, kind="practice-guidance"),
        invented_hit(1, EXAMPLE, kind="invented-example", publisher="Harbourside (invented)"),
    ]
    c = Composer(embedder, rules, Library(FakeRetriever(hits)), cache_dir=None)
    prof = c.analyse(question)
    units = c.units(hits)
    c.score(prof, hits, units, c.encode(prof))
    return {u.quote_as: u.score for u in units}


def test_an_invented_example_scores_less_for_a_national_question(embedder, rules) -> None:
    """It illustrates the guidance; it should not take a supporting place from a real source."""
    assert rules.example_penalty > 0
    q = "If a case goes to MARAC do I still need to refer the child to social care?"
    with_penalty = scored(embedder, rules, q)
    without = scored(embedder, replace(rules, example_penalty=0.0), q)
    assert with_penalty["source"] == without["source"]
    assert with_penalty["example"] == pytest.approx(without["example"] - rules.example_penalty)


def test_an_invented_example_is_not_marked_down_for_a_question_about_its_own_area(
    embedder, rules
) -> None:
    q = "Under Harbourside Council procedures, if a case goes to MARAC do I refer the child too?"
    with_penalty = scored(embedder, rules, q)
    without = scored(embedder, replace(rules, example_penalty=0.0), q)
    assert analyse(q, rules).local
    assert with_penalty == without


# ---------------------------------------------------------------------------- list questions

ROUTES = (
    "The scheme has two routes: the right to ask, where someone applies to the police, and the "
    "right to know, where the police decide to disclose."
)
OTHER_LIST = "A disclosure can cover violence, threats, stalking and controlling behaviour."


def test_a_list_question_wants_the_list_that_names_what_was_asked(embedder, rules) -> None:
    """Two commas make a list's shape; only the sentence naming the asked-for items (or the
    count the question gives) is the list asked for."""
    c = Composer(embedder, rules, Library(FakeRetriever([])), cache_dir=None)
    share = rules.list_unnamed_share
    assert 0 <= share < 1
    by_count = c.analyse("clare's law - what are the two ways in?")
    assert "enumeration" in by_count.wants and by_count.focus
    by_noun = c.analyse("What are the routes under Clare's Law to find out about a new partner?")
    for prof in (by_count, by_noun):
        assert c._wants("enumeration", prof, ROUTES, terms(ROUTES, rules.stop_words)) == 1.0
        other = c._wants("enumeration", prof, OTHER_LIST, terms(OTHER_LIST, rules.stop_words))
        assert other == share
    # a list question with no focus keeps every list-shaped sentence in full
    plain = c.analyse("What should a safety plan include?")
    assert not plain.focus
    assert c._wants("enumeration", plain, OTHER_LIST, terms(OTHER_LIST, rules.stop_words)) == 1.0
