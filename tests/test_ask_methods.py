"""The ask composer's general methods for questions written by others (issue 18, second round):
declining named instruments and means-tested limits the library never mentions, word families
the stemmer keeps apart, yes-no questions answered by what limits a rule, the sentence that goes
on from the opening one, the topic/ask split of a question's terms, anchored practitioner
wording, and the library's index look-ups.

Unit tests use small invented passages through a fake retriever and the real embedding model.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fakes import ChunkIndex, FakeRetriever, invented_hit

from assistant.answer import Composer, Library, Unit, analyse, load_ask_rules
from assistant.ask_text import _match, _prefixes
from assistant.errors import CurioError
from assistant.settings import REPO_ROOT
from assistant.types import Chunk, Hit

PROMPTS = REPO_ROOT / "prompts"


#: passages of law for England and Wales unless a test says otherwise
hit = partial(invented_hit, kind="law", jurisdiction="england-and-wales")


def answer(embedder: Any, rules: Any, question: str, hits: list[Hit]):
    c = Composer(embedder, rules, Library(FakeRetriever(hits)), cache_dir=None)
    comp = c.compose(question, hits)
    return comp, c.render(comp)


LAW = (
    "The Crime and Security Act 2010 created Domestic Violence Protection Orders. "
    "A Domestic Violence Protection Order (DVPO) lasts between 14 and 28 days. "
    "The order can stop the abuser going back to the home."
)


# ---------------------------------------------------------------------------- rules as data


def test_a_bare_yaml_on_or_no_in_the_stop_words_is_refused(tmp_path: Path, rules) -> None:
    assert {"on", "no", "off"} <= rules.stop_words and "true" not in rules.stop_words
    for name in ("ask_rules.yaml", "ask_places.txt"):
        shutil.copy(PROMPTS / name, tmp_path / name)
    text = (tmp_path / "ask_rules.yaml").read_text()
    (tmp_path / "ask_rules.yaml").write_text(text.replace('"off", "on",', "off, on,"))
    with pytest.raises(CurioError, match="stop_words must be text; quote"):
        load_ask_rules(tmp_path)


# ---------------------------------------------------------------------------- the question


def test_named_instruments_in_a_question(rules) -> None:
    def names(q: str) -> list[str]:
        return [n for n, _ in analyse(q, rules).instruments]

    assert names("What duties does the VAWDASV (Wales) Act 2015 put on our council?") == [
        "VAWDASV (Wales) Act 2015"
    ]
    assert names("Does the Domestic Abuse and Civil Proceedings Act (NI) 2021 apply?") == [
        "Domestic Abuse and Civil Proceedings Act (NI) 2021"
    ]
    assert names("Is breach an offence under the Crime and Security Act 2010?") == [
        "Crime and Security Act 2010"
    ]
    # too loose to say the library lacks them: one word, or only a glossary abbreviation
    assert not names("Under the DA Act is a child a victim?")
    assert not names("Is that in the Children Act 1989?")


def test_means_tested_limits_and_current_counts(rules) -> None:
    assert "money" in analyse("what's the income limit for legal aid for a non-mol?", rules).wants
    assert "money" in analyse("Is she eligible for legal aid on her earnings?", rules).wants
    assert "money" not in analyse("Can mum get a non-mol without a solicitor?", rules).wants
    now = analyse("How many children are on child protection plans at the moment?", rules)
    assert now.statistics and not now.places
    assert not analyse("How many questions are on the DASH checklist?", rules).statistics
    assert not analyse(
        "How many days have we got at the moment to hold the ICPC?", rules
    ).statistics
    assert [j.id for j in analyse("What's the timescale in NI?", rules).jurisdictions] == [
        "northern-ireland"
    ]
    assert not analyse("Is the ni number needed?", rules).jurisdictions


def test_practitioners_words_the_glossary_explains_are_not_unknown(rules) -> None:
    prof = analyse("Can the kids stay with nan after the non-mol?", rules)
    assert {"kid", "nan"} <= prof.glossed
    assert "children" in prof.expanded


def test_word_families_match_across_the_stemmer() -> None:
    words = {"applic", "children", "polici", "interpret", "strangul"}
    pre = _prefixes(words)
    assert _match("appli", words, pre) == 0.7  # apply / applications
    assert _match("child", words, pre) == 0.7  # child / children
    assert _match("strangl", words, pre) == 0.7  # strangling / strangulation
    assert _match("polic", words, pre) == 0.0  # police is not policy
    assert _match("inter", words, pre) == 0.0  # inter-country is not interpret
    assert _match("children", words, pre) == 1.0


# ---------------------------------------------------------------------------- declining


def test_declines_a_named_act_the_library_never_mentions(embedder, rules) -> None:
    hits = [hit(0, LAW), hit(1, "Breach of a DVPO is contempt of court, not a crime.")]
    question = "How long does a DVPO last under the Family Safekeeping Orders Act 2019?"
    comp, ans = answer(embedder, rules, question, hits)
    assert ans.declined and comp.reason == "named", comp.reason
    assert "Family Safekeeping Orders Act 2019" in ans.text and "The library covers" in ans.text
    assert not ans.citations
    comp, ans = answer(
        embedder, rules, "How long does a DVPO last under the Crime and Security Act 2010?", hits
    )
    assert not ans.declined and "14 and 28 days" in ans.text
    # built of the library's own words: the library's thing named differently, not declined
    comp, ans = answer(
        embedder, rules, "How long does a DVPO last under the Domestic Violence Orders Act?", hits
    )
    assert comp.reason != "named" and not ans.declined


def test_a_legal_aid_limit_is_declined_as_money(embedder, rules) -> None:
    hits = [hit(0, "Non-molestation orders are made under section 42 of the Family Law Act 1996.")]
    comp, ans = answer(
        embedder, rules, "what's the income limit for legal aid for a non-mol?", hits
    )
    assert ans.declined and comp.reason == "topic"


# ---------------------------------------------------------------------------- choosing sentences


def test_a_yes_no_question_wants_what_limits_a_rule(embedder, rules) -> None:
    for q in ("mum keeps saying he's changed - is that evidence?", "Can she tell her friends?"):
        assert "deontic" in analyse(q, rules).wants, q
    c = Composer(embedder, rules, Library(FakeRetriever([])), cache_dir=None)
    prof = analyse("Once the police disclose, can she tell her friends?", rules)

    def wants(text: str) -> float:
        return c._wants("deontic", prof, text, [])

    assert wants("The person told should not pass the disclosure on to friends.") == 1.0
    assert wants("Children are entitled to decline the interview.") == 1.0
    assert wants("The person told can talk it through with a support worker.") == pytest.approx(
        rules.modal_share
    )
    assert wants("Disclosures are given in person by two officers.") == 0.0


def test_a_scope_question_is_answered_by_the_rule_s_condition(embedder, rules) -> None:
    """ "Does the Act cover a 15-year-old?" is answered by the condition that draws the line
    ("... is domestic abuse if both are aged 16 or over"), not only by a sentence with a modal."""
    prof = analyse("DA Act def - does it cover a 15yo being controlled by her 17yo bf?", rules)
    assert "deontic" in prof.wants
    c = Composer(embedder, rules, Library(FakeRetriever([])), cache_dir=None)

    def wants(text: str) -> float:
        return c._wants("deontic", prof, text, [])

    assert wants("Behaviour is domestic abuse if both people are aged 16 or over.") > 0.0
    assert wants("The Act provides that a child who hears the abuse is a victim.") > 0.0
    assert wants("The Act received Royal Assent in April 2021.") == 0.0


def _unit(passage: int, parts: tuple[str, ...], score: float) -> Unit:
    return Unit(passage, " ".join(parts), "law", "source", parts, score=score)


def test_the_opening_sentence_widens_to_the_one_it_leads_into(embedder, rules) -> None:
    a = "The Myth of Invisible Men is a national review published in 2021."
    b = "It asks why babies under one year old were harmed by men unknown to services."
    other = "Fathers should be engaged from the start of pregnancy."
    c = Composer(embedder, rules, Library(FakeRetriever([])), cache_dir=None)
    near = [
        _unit(0, (a,), 1.0),
        _unit(0, (a, b), 1.0 - rules.widen_within / 2),
        _unit(1, (other,), 0.5),
    ]
    picks = c._pick(near)
    assert picks[0].parts == (a, b)  # the pair it leads into scores about as well
    assert all(p.parts != (a,) for p in picks)  # and the lone sentence is not repeated
    far = [
        _unit(0, (a,), 1.0),
        _unit(0, (a, b), 1.0 - 2 * rules.widen_within),
        _unit(1, (other,), 0.5),
    ]
    assert c._pick(far)[0].parts == (a,)


def test_the_question_s_topic_gives_way_to_what_it_asks(embedder, rules) -> None:
    text = (
        "A Domestic Abuse Protection Order (DAPO) is a flexible civil order that magistrates', "
        "family and criminal courts can make.\n\n"
        "A DAPO can last as long as the court decides and can carry electronic monitoring.\n\n"
        "Applications can be made by the police, the victim and certain third parties."
    )
    hits = [hit(0, text, section="Domestic Abuse Protection Orders (DAPOs)")]
    comp, ans = answer(embedder, rules, "Who can apply for a DAPO?", hits)
    assert not ans.declined
    assert "appli" in comp.profile.key_terms and "dapo" not in comp.profile.key_terms
    assert "Applications can be made" in ans.text


def test_practitioner_wording_that_names_the_library_s_topics_is_answered(embedder, rules) -> None:
    text = (
        "The Dash checklist has 24 questions. Fourteen or more ticks is visible high risk and a "
        "referral to MARAC."
    )
    hits = [
        hit(0, text, relevance=0.34, section="MARAC referral and the Dash checklist"),
        hit(1, "Strategy discussions share information.", relevance=0.2),
        hit(2, "Chronologies list events in date order.", relevance=0.2),
        hit(3, "Interpreters should be independent.", relevance=0.2),
    ]
    c = Composer(embedder, rules, Library(FakeRetriever(hits)), cache_dir=None)
    prof = c.analyse("how many ticks on the dash before it goes to marac?")
    assert c._anchored(prof, hits) is False  # with the shipped rarity, four texts are too few
    loose = replace(rules, anchor_rarity=0.5)
    c = Composer(embedder, loose, Library(FakeRetriever(hits)), cache_dir=None)
    assert c._anchored(prof, hits)
    one = c.analyse("how many ticks before it goes further?")
    assert not c._anchored(one, hits)


# ---------------------------------------------------------------------------- the library


class CountingIndex:
    def __init__(self, chunks: list[Chunk]) -> None:
        self._chunks = chunks
        self.calls = 0
        self._loaded_name = "gen-1"

    def chunks(self) -> list[Chunk]:
        self.calls += 1
        return self._chunks


class IndexedRetriever:
    def __init__(self, index: CountingIndex) -> None:
        self.index = index


def test_the_library_looks_at_the_index_at_most_once_a_second(monkeypatch) -> None:
    index = CountingIndex([hit(0, LAW).chunk])
    library = Library(IndexedRetriever(index))
    clock = [100.0]
    monkeypatch.setattr("assistant.ask_text.time.monotonic", lambda: clock[0])
    for _ in range(20):
        library.idf("dvpo")
        library.known("order")
    assert index.calls == 1
    clock[0] += 2 * Library.RECHECK_SECONDS
    library.idf("dvpo")
    assert index.calls == 2
    assert library.known("dvpo") and not library.known("vaccin")


# ---------------------------------------------------------------------------- third round


def test_a_question_type_is_read_from_the_clause_after_a_dash(rules) -> None:
    """ "X - what does it mean?" asks for a definition; "op encompass - when does school get
    told?" asks how soon, not for a year."""
    assert "definition" in analyse("rule of optimism - what does it mean?", rules).wants
    timing = analyse("op encompass - when does school get told?", rules).wants
    assert "duration" in timing and "date" not in timing
    assert "date" in analyse("When was the Domestic Abuse Act passed?", rules).wants


def test_a_when_clause_inside_the_question_asks_how_soon(rules) -> None:
    """The asking clause need not open the question: "Police came at 11pm. Under Operation
    Encompass, when should the school hear?" asks how soon, like the same words alone."""
    for q in (
        "Police came at 11pm. Under Operation Encompass, when should the school hear?",
        "Police came at 11pm. Under Op Encompass when should the school have been told?",
        "DV incident last night, the kids were there. When should the school hear?",
    ):
        assert "duration" in analyse(q, rules).wants, q
    assert "duration" not in analyse("The Act was passed, when was that?", rules).wants


def test_a_sum_in_the_story_does_not_make_a_fee_question(rules) -> None:
    story = "He gives her £20 a week for food and checks the receipts. Is that economic abuse?"
    assert "money" not in analyse(story, rules).wants
    assert "money" in analyse("Is it £255 to apply for a non-mol? I need to tell mum.", rules).wants
    assert "money" in analyse("How much does it cost to apply for a non-mol", rules).wants


def test_an_abbreviation_the_library_never_uses_is_spelt_out_in_its_own_words(
    embedder, rules
) -> None:
    texts = [
        "Controlling or coercive behaviour is an offence. It must have a serious effect.",
        "Evidence of controlling or coercive behaviour includes isolating the victim.",
        "A care plan says who does what.",
    ]
    chunks = [hit(n, t).chunk for n, t in enumerate(texts)]
    retriever = FakeRetriever([])
    retriever.index = ChunkIndex(chunks)  # type: ignore[attr-defined]
    library = Library(retriever)
    c = Composer(embedder, rules, library, cache_dir=None)
    prof = c.analyse("what does the CCB offence need to prove?")
    assert "controlling or coercive behaviour" in prof.expanded
    assert "ccb" in prof.glossed  # not counted as a word the library lacks
    assert library.long_form("CP") == ""  # one use of "care plan" is too few to trust
    plain = c.analyse("what does the offence need to prove?")
    assert "(" not in plain.expanded


# ---------------------------------------------------------------------------- third round


def test_a_country_named_only_as_where_someone_is_taken_is_not_its_law(rules) -> None:
    """Forced marriage abroad is about English law; the law of the country itself is not."""

    def ids(q: str) -> list[str]:
        return [j.id for j in analyse(q, rules).jurisdictions]

    assert ids("They're taking their 17yo daughter to Pakistan to get married. Is it legal?") == []
    assert ids("She was brought here from Nigeria as a baby. Can she see her dad?") == []
    assert ids("What is the legal age to marry in Pakistan?") == ["elsewhere"]
    assert ids("Is FGM against the law in Nigeria?") == ["elsewhere"]
    # within the UK a move still asks about the other nation's system
    assert ids("The family moved to Scotland - does our plan still apply?") == ["scotland"]


def test_a_destination_abroad_is_answered_from_english_law(embedder, rules) -> None:
    law = (
        "Since 27 February 2023 no one under 18 can marry in England and Wales, even with "
        "parental consent, and causing a child to marry is an offence, including abroad."
    )
    q = "Family are taking their 17 year old to Pakistan in the summer to get married, legal?"
    comp, ans = answer(embedder, rules, q, [hit(0, law, relevance=0.55)])
    assert not comp.declined, ans.text
    assert "under 18" in ans.text
    comp, _ = answer(
        embedder, rules, "What is the minimum marriage age in Pakistan?", [hit(0, law)]
    )
    assert comp.declined and comp.reason == "jurisdiction"


def test_a_bad_travel_pattern_is_refused_in_one_line(tmp_path: Path) -> None:
    for name in ("ask_rules.yaml", "ask_places.txt"):
        shutil.copy(PROMPTS / name, tmp_path / name)
    text = (tmp_path / "ask_rules.yaml").read_text()
    start = text.index("    travel: '") + len("    travel: '")
    (tmp_path / "ask_rules.yaml").write_text(text[:start] + "(" + text[start:])
    with pytest.raises(CurioError, match=r"jurisdictions\[\d\]\.travel"):
        load_ask_rules(tmp_path)


def test_the_answer_reaches_the_fifth_best_sentence_within_the_margin(embedder, rules) -> None:
    """The key fact is often the second- to fifth-best sentence: every supporting sentence
    within the margin, from different passages, is shown (up to ``max_supporting``)."""
    texts = [
        "A Domestic Violence Protection Order lasts between 14 and 28 days.",
        "Non-molestation orders are made by the family court under the Family Law Act 1996.",
        "Pre-charge bail conditions can keep a suspect away from the family home.",
        "Occupation orders decide who may live in the home.",
        "Stalking Protection Orders are applied for by the police.",
        "A restraining order can be made on conviction or acquittal.",
        "Forced Marriage Protection Orders can stop a child being taken abroad.",
    ]
    c = Composer(embedder, rules, Library(FakeRetriever([])), cache_dir=None)
    units = [_unit(n, (t,), 1.0 - 0.02 * n) for n, t in enumerate(texts)]
    picks = c._pick(units)
    assert rules.max_supporting >= 4
    assert len(picks) == 1 + min(rules.max_supporting, len(texts) - 1)
    assert texts[4] in [p.text for p in picks]


# ---------------------------------------------------------------------------- seventh round


def test_a_fee_word_only_in_the_story_before_a_dash_does_not_decline(rules) -> None:
    """The story before a dash tells; the part after it asks. A fee or contact cue wholly in the
    story does not make a money question, one that reaches into the asking part does, and a
    short topic before a dash ("non-mol court fee - how much?") is no story."""
    story = (
        "he takes all her wages and won't let her have a bank card - is that domestic abuse "
        "or just a money thing?"
    )
    assert "money" not in analyse(story, rules).wants
    limit = "mum wants legal aid for a non mol - what's the income cut off?"
    assert "money" in analyse(limit, rules).wants
    assert "money" in analyse("non-mol court fee - how much is it?", rules).wants
    assert "money" in analyse("what's the court fee for a non-mol - can mum get help?", rules).wants


def test_a_contact_detail_answers_only_in_a_sentence_about_what_was_asked(embedder, rules) -> None:
    """Another body's helpline is not the number asked for: decline rather than quote it."""
    other = hit(
        0,
        "The Forced Marriage Unit runs a public helpline (020 7946 0000) for victims and "
        "professionals.",
        relevance=0.5,
    )
    comp, ans = answer(embedder, rules, "What is the MASH phone number?", [other])
    assert comp.declined and comp.reason == "topic", ans.text
    own = hit(1, "The MASH phone number for professionals is 01632 960000.", relevance=0.5)
    comp, ans = answer(embedder, rules, "What is the MASH phone number?", [other, own])
    assert not comp.declined and "01632 960000" in ans.text


def test_a_question_asking_for_the_name_of_an_idea_wants_the_named_term(embedder, rules) -> None:
    q = "mum agrees with every plan but nothing changes. is there a name for this?"
    assert "term" in analyse(q, rules).wants
    assert "term" in analyse("what's the term for this?", rules).wants
    assert "term" not in analyse("What does the Dash checklist ask about?", rules).wants
    named = 'Practitioners call this "disguised compliance": agreement without change.'
    plain = "Many plans consist of tasks for the mother, and she agrees to every one of them."
    c = Composer(embedder, rules, Library(FakeRetriever([])), cache_dir=None)
    prof = c.analyse(q)
    words = q.split()
    assert c._wants("term", prof, named, words) == 1.0
    assert c._wants("term", prof, plain, words) == 0.0


def test_one_rare_library_word_heading_a_top_section_anchors_the_question(embedder, rules) -> None:
    hits = [
        hit(0, "Do not attempt family mediation.", relevance=0.3, section="Forced marriage"),
        hit(1, "Strategy discussions share information.", relevance=0.2),
        hit(2, "Chronologies list events in date order.", relevance=0.2),
        hit(3, "Interpreters should be independent.", relevance=0.2),
    ]
    q = "17yo says family are taking her abroad to get married, should I set up a meeting?"
    strict = replace(rules, anchor_rarity=99.0, anchor_single_rarity=99.0)
    c = Composer(embedder, strict, Library(FakeRetriever(hits)), cache_dir=None)
    assert not c._anchored(c.analyse(q), hits)
    single = replace(strict, anchor_single_rarity=0.5)
    c = Composer(embedder, single, Library(FakeRetriever(hits)), cache_dir=None)
    assert c._anchored(c.analyse(q), hits)
    assert not c._anchored(c.analyse("should I set up a meeting with them?"), hits)


class _VectorRetriever:
    """Hybrid results fixed; dense results chosen by the query vector's first component."""

    def __init__(self, hybrid: list[Hit], by_vector: dict[float, list[Hit]]) -> None:
        self.hybrid = hybrid
        self.by_vector = by_vector

    def search(self, query: str, k: int = 5, prefer_lens=None, mode=None, qvec=None):
        if mode == "dense":
            return self.by_vector.get(float(qvec[0]), [])[:k]
        return self.hybrid[:k]


def test_the_asking_clause_brings_its_closest_section(rules) -> None:
    """A story before the question pulls the whole question's vector away from the section on
    what to do: the last clause's closest section is added when it beats every hybrid hit."""
    import types

    import numpy as np

    from assistant.chat.modes.ask import ask_hits

    story = hit(0, "Forced marriage is a crime.", relevance=0.3, section="The offence")
    action = hit(1, "Do not attempt family mediation.", relevance=0.45, section="Actions")
    weak = hit(2, "Chronologies list events.", relevance=0.1, section="Chronologies")
    fake = _VectorRetriever([story], {1.0: [story], 2.0: [action], 3.0: [weak]})
    curio = types.SimpleNamespace(retriever=fake)
    q = np.array([1.0, 0.0], dtype=np.float32)
    without = ask_hits(curio, "q", q, None)
    assert [h.chunk.section for h in without] == ["The offence"]
    clauses = np.array([[3.0, 0.0], [2.0, 0.0]], dtype=np.float32)
    found = ask_hits(curio, "q", q, None, clauses=clauses)
    assert [h.chunk.section for h in found] == ["The offence", "Actions"]
    # only the last clause asks; a clause closest to a weak section adds nothing
    found = ask_hits(curio, "q", q, None, clauses=clauses[::-1])
    assert [h.chunk.section for h in found] == ["The offence"]
