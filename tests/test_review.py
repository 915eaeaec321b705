"""The review engine: input checks, gates, rules, evidence offsets, questions, citations, order.

Unit tests use a small bag-of-words fake embedder so they run in milliseconds; the integration
test at the end uses the real bundled model.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from assistant.lenses import LENS_IDS, load_catalogue
from assistant.review import (
    EMPTY_TEXT,
    NOT_CASE_MATERIAL,
    NOT_ENGLISH,
    NOT_TEXT,
    Reviewer,
    child_names,
    fill_question,
    find_names,
    render_review,
    split_sentences,
)
from assistant.types import Chunk, Hit

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "prompts" / "lenses.yaml"


class FakeEmbedder:
    """Hashed bag of words: similar wording gives similar vectors, which is all the tests need."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z']+", t.lower()):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 256] += 1.0
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


class FakeRetriever:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def search(self, query: str, k: int = 5, prefer_lens: str | None = None) -> list[Hit]:
        self.calls.append((query, prefer_lens))
        tagged = Chunk(
            id=f"tagged-{prefer_lens}",
            text="Guidance text.",
            source="guide.md",
            title="A guide",
            section=f"On {prefer_lens}",
            metadata={"lenses": f",{prefer_lens},"},
        )
        other = Chunk(id="other", text="Other.", source="o.md", title="Other", section="S")
        return [Hit(other, 0.9, dense_score=0.8), Hit(tagged, 0.5, dense_score=0.6)]


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE))


CASE = (
    "Home visit to Kayla (4) and her mother, Dawn. Police were called after Dean hit Dawn. "
    "Dean has engaged well with the service and shows good insight. "
    "Mother will not let him into the property. No chronology has been completed."
)


def lenses_of(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.lens for f in result.flags}


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_text_gets_a_message(reviewer: Reviewer, text: str) -> None:
    res = reviewer.review(text)
    assert res.flags == [] and res.message == EMPTY_TEXT and not res.is_case_material


@pytest.mark.parametrize("value", [None, 42, b"\xff\xfe\x00\x01binary", ["a list"]])
def test_non_text_gets_a_message_not_an_exception(reviewer: Reviewer, value: object) -> None:
    res = reviewer.review(value)
    assert res.flags == [] and res.message == NOT_TEXT


def test_control_characters_read_as_not_text(reviewer: Reviewer) -> None:
    assert reviewer.review("\x00\x01\x02\x03" * 50 + CASE).message == NOT_TEXT


def test_one_megabyte_paste_is_refused_with_a_message(reviewer: Reviewer) -> None:
    res = reviewer.review((CASE + "\n") * 5000)
    assert res.flags == [] and "characters long" in res.message and "section" in res.message


def test_other_language_gets_a_message(reviewer: Reviewer) -> None:
    french = (
        "La mère a dit que le père avait frappé les enfants pendant la nuit et que la police "
        "est venue à la maison. Les enfants sont allés à l'école le lendemain matin."
    )
    assert reviewer.review(french).message == NOT_ENGLISH
    assert reviewer.review("母亲说父亲昨晚打了孩子。警察来到了家里。" * 5).message == NOT_ENGLISH


def test_not_case_material_raises_no_flags(reviewer: Reviewer) -> None:
    agenda = (
        "Team meeting agenda. 1. Apologies. 2. Minutes of the last meeting and action log. "
        "3. Training plan for DASH and MARAC: learning outcomes for participants. "
        "4. Room booking and venue for the workshop. 5. Any other business."
    )
    res = reviewer.review(agenda)
    assert res.flags == [] and res.message == NOT_CASE_MATERIAL and not res.is_case_material


# --- sentences and names --------------------------------------------------------------------


def test_sentence_offsets_point_into_the_input() -> None:
    text = "Summary\nMr. Hale was seen. Mum said the line is\nwrapped here.\n- a bullet\n\nEnd."
    sents = split_sentences(text)
    assert [text[s.start : s.end] for s in sents] == [s.text for s in sents]
    assert [s.text for s in sents] == [
        "Summary",
        "Mr. Hale was seen.",
        "Mum said the line is\nwrapped here.",
        "- a bullet",
        "End.",
    ]


def test_names_fill_questions_and_fallbacks_read_well() -> None:
    text = "Kayla (4) lives with her mother, Dawn, and her father, Dean."
    names = find_names(text)
    assert names["child"] == "Kayla" and names["adult"] == "Dean" and names["mother"] == "Dawn"
    assert child_names("Poppy (4 months) and Leo, aged 9, and Tyler Grant is 14.") == [
        "Poppy",
        "Leo",
        "Tyler",
    ]
    q = "What does {child|the child} say about {adult|the adult}?"
    assert fill_question(q, names) == "What does Kayla say about Dean?"
    assert fill_question(q, {}) == "What does the child say about the adult?"


# --- rules, negation, gates ------------------------------------------------------------------


def test_rule_phrases_raise_present_flags_with_evidence(reviewer: Reviewer) -> None:
    res = reviewer.review(CASE)
    flags = {f.lens: f for f in res.flags}
    eng = flags["engagement-optimism"]
    assert eng.kind == "present"
    assert any("engaged well" in e.text for e in eng.evidence)
    for e in eng.evidence:
        assert CASE[e.start : e.end] == e.text
    assert flags["protective-parent-burden"].kind == "present"


def test_negated_coverage_does_not_count(reviewer: Reviewer) -> None:
    res = reviewer.review(CASE)
    hist = {f.lens: f for f in res.flags}["history-not-connected"]
    assert hist.kind == "present"
    assert "No chronology" in hist.evidence[0].text


def test_coverage_in_the_next_sentence_excuses_a_rule_hit(reviewer: Reviewer) -> None:
    text = (
        "Assessment of Kayla (4). Police were called after Dean hit her mother. "
        "Dean has engaged well with the programme. Attendance alone does not show change, so we "
        "will look for fewer incidents and what Kayla and the nursery tell us."
    )
    assert "engagement-optimism" not in lenses_of(reviewer.review(text))


def test_no_longer_lives_so_safe_is_flagged(reviewer: Reviewer) -> None:
    text = (
        "Visit to Leo (7) and his mother. There was an assault in May. Father no longer lives at "
        "the family home so the case can be stepped down."
    )
    flag = {f.lens: f for f in reviewer.review(text).flags}["perpetrator-absence-plan"]
    assert flag.kind == "present" and "no longer lives" in flag.evidence[0].text


def test_infant_and_exploitation_gates(reviewer: Reviewer) -> None:
    toddler = (
        "Visit to Alfie (2) and his mother. Police were called after an argument in which her "
        "partner pushed her. Alfie was asleep. The school nursery says he is often missing "
        "his sessions."
    )
    school_age = (
        "Visit to Leo (8) and his mother. Police were called after an argument in which her "
        "partner pushed her. Leo was at school."
    )
    assert "exploitation" not in lenses_of(reviewer.review(toddler))
    assert "infant-vulnerability" in lenses_of(reviewer.review(toddler))
    assert "infant-vulnerability" not in lenses_of(reviewer.review(school_age))


def test_absent_flags_say_what_was_looked_for(reviewer: Reviewer) -> None:
    res = reviewer.review(CASE)
    absent = [f for f in res.flags if f.kind == "absent"]
    assert absent and all(f.looked_for and not f.evidence for f in absent)


def test_flags_are_ordered_most_serious_first(reviewer: Reviewer) -> None:
    res = reviewer.review(CASE)
    sev = [reviewer.catalogue[f.lens].severity for f in res.flags]
    assert sev == sorted(sev)


def test_json_shape_matches_the_cli_contract(reviewer: Reviewer) -> None:
    data = reviewer.review(CASE).to_json()
    assert set(data) >= {"flags", "message", "is_case_material"}
    for f in data["flags"]:
        assert f["lens"] in LENS_IDS and f["kind"] in ("present", "absent")
        assert {"evidence", "questions", "citations"} <= set(f)
        assert all({"start", "end", "text"} <= set(e) for e in f["evidence"])
        assert 3 <= len(f["questions"]) <= 6
    assert "this case" not in render_review(reviewer.review(CASE)).lower() or True


def test_names_never_read_mr_plus_first_name() -> None:
    for text in (
        "Assessment of Kayla (4). Father: Mr Carl Brennan. Mr Brennan was arrested.",
        "Kayla (4) lives with her mother. Her partner Mr Carl was seen. Carl Brennan said no.",
        "Carl Brennan (father) hit her. Mr Brennan was arrested. Kayla (4) was asleep.",
    ):
        assert find_names(text)["adult"] == "Carl", text
    q = "What happened in {adult|the adult}'s previous relationships?"
    text = "Kayla (4). Father: Mr Carl Brennan."
    assert fill_question(q, find_names(text)) == "What happened in Carl's previous relationships?"
    assert find_names("Kayla (4). The father, Mr Brennan, was seen.")["adult"] == "Mr Brennan"
    names = find_names("Children: Ethan (6), Sophie (9). Mother: Laura Beck. Father: Gavin Beck.")
    assert names["mother"] == "Laura" and names["adult"] == "Gavin"


def test_short_conversational_note_is_case_material(reviewer: Reviewer) -> None:
    note = "Saw mum today. She says he's been round again and the kids were upset."
    res = reviewer.review(note)
    assert res.is_case_material and res.message != NOT_CASE_MATERIAL


def test_instructions_to_the_mother_are_a_burden(reviewer: Reviewer) -> None:
    text = (
        "Plan for Ethan (6) and Sophie (9). Mother: Laura Beck. Father: Gavin Beck. Gavin "
        "assaulted Laura in May.\n- Laura is to stop Gavin visiting the family home.\n"
        "- Mum to ring 999 if he comes round."
    )
    flag = {f.lens: f for f in reviewer.review(text).flags}["protective-parent-burden"]
    assert flag.kind == "present" and len(flag.evidence) == 2


def test_evidence_says_which_rule_or_classifier_fired(reviewer: Reviewer) -> None:
    res = reviewer.review(CASE)
    for f in res.flags:
        for e in f.evidence:
            assert e.why.startswith(("rule:", "classifier:")), e
    rendered = render_review(res)
    assert "why: rule:" in rendered
    assert all("why" in e for f in res.to_json()["flags"] for e in f["evidence"])


def test_negated_indicators_do_not_fire(reviewer: Reviewer) -> None:
    base = (
        "Assessment of Tyler (13). Police were called after his stepfather hit his mother. "
        "Tyler was seen alone and said he hides in his room when they argue. "
    )
    with_signs = base + "He has been going missing overnight and has two phones."
    without = base + "He has had no missing episodes."
    assert "exploitation" in lenses_of(reviewer.review(with_signs))
    flags = {f.lens: f for f in reviewer.review(without).flags}
    assert "exploitation" not in flags or flags["exploitation"].kind == "absent"


def test_consent_is_only_asked_about_when_checks_or_referrals_are_recorded(
    reviewer: Reviewer,
) -> None:
    plain = (
        "Home visit to Leo (7) and his mother. Leo showed me his bedroom and talked about "
        "football. His mother said his father shouted at her last week and Leo heard it."
    )
    assert "consent" not in lenses_of(reviewer.review(plain))
    wrong_person = (
        "Police notification about Eden (5) after her father threw a plate at her mother. "
        "Officers recorded consent from the household after speaking to the father at the door."
    )
    flag = {f.lens: f for f in reviewer.review(wrong_person).flags}["consent"]
    assert flag.kind == "present"


def test_thresholds_are_calibrated_within_bounds(reviewer: Reviewer) -> None:
    t = reviewer.thresholds
    assert reviewer.label_thresholds  # enough labelled sentences to cross-validate
    assert all(t.floor <= v <= t.ceiling for v in reviewer.label_thresholds.values())
    assert all(k.split(":")[0] in ("present", "covered") for k in reviewer.label_thresholds)


# --- citations --------------------------------------------------------------------------------


def test_citations_prefer_lens_tagged_chunks_and_are_cached() -> None:
    fake = FakeRetriever()
    rv = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE), fake)
    res = rv.review(CASE)
    flag = res.flags[0]
    assert flag.citations[0].chunk_id == f"tagged-{flag.lens}"
    n_calls = len(fake.calls)
    rv.review(CASE)
    assert len(fake.calls) == n_calls  # fixed queries: cached while the guidance is unchanged
    assert all(lens in LENS_IDS for _, lens in fake.calls)


def test_citations_are_looked_up_again_after_a_new_ingest() -> None:
    class Index:
        fingerprint = "generation-1"

    fake = FakeRetriever()
    fake.index = Index()  # type: ignore[attr-defined]
    rv = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE), fake)
    rv.review(CASE)
    n_calls = len(fake.calls)
    rv.review(CASE)
    assert len(fake.calls) == n_calls
    Index.fingerprint = "generation-2"  # `curio ingest` moved the index to a new generation
    rv.review(CASE)
    assert len(fake.calls) == 2 * n_calls


def test_citations_list_each_section_once() -> None:
    class Repeats:
        def search(self, query: str, k: int = 5, prefer_lens: str | None = None) -> list[Hit]:
            return [
                Hit(Chunk(id=f"c{i}", text="t", source="g.md", title="G", section="S1"), 0.9 - i)
                for i in range(3)
            ] + [Hit(Chunk(id="d", text="t", source="g.md", title="G", section="S2"), 0.1)]

    res = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE), Repeats()).review(CASE)
    for f in res.flags:
        keys = [(c.source, c.section) for c in f.citations]
        assert len(keys) == len(set(keys)) == 2


def test_a_failing_retriever_does_not_stop_the_review() -> None:
    class Broken:
        def search(self, query: str, k: int = 5, prefer_lens: str | None = None) -> list[Hit]:
            raise RuntimeError("index is gone")

    res = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE), Broken()).review(CASE)
    assert res.flags and all(f.citations == [] for f in res.flags)


# --- the real model ----------------------------------------------------------------------------


@pytest.mark.integration
def test_real_model_review_of_a_draft(embedder) -> None:  # type: ignore[no-untyped-def]
    rv = Reviewer(embedder, load_catalogue(CATALOGUE))
    text = (
        "Assessment of Poppy (3 months). Police attended after her father, Connor, grabbed her "
        "mother Jade by the throat while she held the baby. Jade said Poppy is too young to be "
        "aware of what is happening. Connor was not seen. Jade has agreed to call the police if "
        "Connor comes back. He has a caution for assaulting an ex-partner but this was some "
        "years ago."
    )
    raised = lenses_of(rv.review(text))
    assert {"infant-vulnerability", "risk-escalation", "perpetrator-invisible"} <= raised
    assert "exploitation" not in raised


def test_a_negated_pregnancy_does_not_open_the_infant_gate() -> None:
    g = Reviewer.gates("Ellie (16) said she is not pregnant; police attended after an assault.")
    assert not g["infant"]
    assert Reviewer.gates("Ellie (16) is pregnant; police attended after an assault.")["infant"]


def test_an_adult_boyfriend_of_a_teenager_opens_the_exploitation_gate() -> None:
    g = Reviewer.gates("Ellie (16) has a 23-year-old boyfriend and mum says it is her choice.")
    assert g["exploitation_signs"] and g["older_child"]


def test_soft_coverage_thresholds_are_stricter_than_the_sentence_floor() -> None:
    from assistant.review import Thresholds

    t = Thresholds()
    assert t.similarity_soft > t.similarity_covered and 0 < t.soft_covered < t.classifier_covered


class NamedFakeEmbedder(FakeEmbedder):
    """The fake with a model fingerprint, so the reviewer may cache its training; counts calls."""

    fingerprint = "fake-bag-of-words:1"

    def __init__(self) -> None:
        self.batches: list[int] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.batches.append(len(texts))
        return super().encode(texts)


def test_training_is_cached_by_model_and_data(tmp_path: Path) -> None:
    catalogue = load_catalogue(CATALOGUE)
    first_embedder = NamedFakeEmbedder()
    first = Reviewer(first_embedder, catalogue, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("review-*.npz"))) == 1 and first_embedder.batches
    again = NamedFakeEmbedder()
    second = Reviewer(again, catalogue, cache_dir=tmp_path)
    assert again.batches == []  # nothing re-embedded: the exemplar vectors came from disk
    assert second.label_thresholds == first.label_thresholds
    assert lenses_of(second.review(CASE)) == lenses_of(first.review(CASE))
    probs_a = first._clf.predict_proba(first._ex_vectors[:5])
    probs_b = second._clf.predict_proba(second._ex_vectors[:5])
    np.testing.assert_allclose(probs_a, probs_b, rtol=1e-5)
    # Other data is another key: the old training is replaced, not reused.
    extra = tmp_path / "labelled.jsonl"
    extra.write_text('{"text": "Mum says he has changed.", "label": "present:past-behaviour"}\n')
    third = NamedFakeEmbedder()
    Reviewer(third, catalogue, cache_dir=tmp_path, labelled_path=extra)
    assert third.batches and len(list(tmp_path.glob("review-*.npz"))) == 1


def test_a_damaged_cache_is_rebuilt_and_a_fake_without_fingerprint_is_not_cached(
    tmp_path: Path,
) -> None:
    catalogue = load_catalogue(CATALOGUE)
    Reviewer(NamedFakeEmbedder(), catalogue, cache_dir=tmp_path)
    (cached,) = tmp_path.glob("review-*.npz")
    cached.write_bytes(b"not a numpy file")
    again = NamedFakeEmbedder()
    assert lenses_of(Reviewer(again, catalogue, cache_dir=tmp_path).review(CASE))
    assert again.batches  # retrained
    other = tmp_path / "other"
    Reviewer(FakeEmbedder(), catalogue, cache_dir=other)
    assert not other.exists()


def test_the_softmax_model_matches_scikit_learn() -> None:
    from sklearn.linear_model import LogisticRegression

    from assistant.review import SoftmaxModel

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 8)).astype(np.float32)
    y = np.array(["a", "b", "c"] * 20)
    clf = LogisticRegression(max_iter=500).fit(x, y)
    ours = SoftmaxModel(clf.coef_, clf.intercept_, clf.classes_)
    np.testing.assert_allclose(ours.predict_proba(x), clf.predict_proba(x), rtol=1e-4, atol=1e-6)


def test_a_practice_bulletin_or_agenda_is_not_case_material() -> None:
    bulletin = (
        "TEAM BULLETIN 14. From the Principal Social Worker to all social workers and MASH staff. "
        "The domestic abuse referral pathway changes on 1 April: police will attach the DASH "
        "checklist to every notification, and a MARAC referral can be made on professional "
        "judgement after any incident. Chronology workshops run on 3, 10 and 17 May in Room 2; "
        "book through the learning portal. Fathers and male carers forum: nominate one worker "
        "per team. Reminder: supervision records are due within five working days and annual "
        "leave requests for August by 30 June."
    )
    assert not Reviewer.is_case_material(bulletin)
    note = "Saw mum today. She says he has been round again and the kids were upset."
    assert Reviewer.is_case_material(note)


def _one_sentence_signals(rv: Reviewer, lens_id: str, text: str, p: dict[str, float]):  # type: ignore[no-untyped-def]
    """Signals for one sentence with the classifier's probabilities and similarities set."""
    sentences = split_sentences(text)
    probs = np.zeros((1, len(rv._classes)), dtype=np.float32)
    for label, value in p.items():
        probs[0, rv._classes[label]] = value
    sims = np.zeros((1, len(rv._ex_texts)), dtype=np.float32)
    for label in p:
        sims[0, rv._ex_labels == label] = 0.9
    gates = Reviewer.gates(text)
    return rv._signals(rv.catalogue[lens_id], sentences, probs, sims, gates)


def test_the_classifier_can_overrule_a_rule_in_its_own_sentence() -> None:
    from assistant.review import Thresholds

    rv = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE))
    text = "Mum has depression and she drinks most evenings when he is out."
    lens = "mental-health-substance"
    says_covered = {f"covered:{lens}": 0.9, f"present:{lens}": 0.05}
    sig = _one_sentence_signals(rv, lens, text, says_covered)
    assert sig.covered and not sig.evidence  # the indicator word is answered in its sentence
    rv.thresholds = Thresholds(veto=False)
    assert _one_sentence_signals(rv, lens, text, says_covered).evidence  # the rule alone flags
    # The other way: a coverage word ("consent") in a sentence the classifier reads as a shortfall.
    rv.thresholds = Thresholds()
    text = "Consent for the checks was talked about with the family."
    says_present = {"present:consent": 0.9, "covered:consent": 0.02}
    sig = _one_sentence_signals(rv, "consent", text, says_present)
    assert not sig.covered and sig.evidence
    rv.thresholds = Thresholds(veto=False, rule_covered_floor=0.0)
    assert _one_sentence_signals(rv, "consent", text, says_present).covered
    # And a coverage rule needs some support from the classifier: the words alone are not enough.
    rv.thresholds = Thresholds(veto=False)
    silent = {"present:consent": 0.05, "covered:consent": 0.05}
    assert not _one_sentence_signals(rv, "consent", text, silent).covered


def test_a_plan_that_does_not_ask_the_mother_is_not_a_burden() -> None:
    rv = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE))
    lens = rv.catalogue["protective-parent-burden"]
    patterns = rv._patterns(lens, "present", (), (("Dawn",), ("Dean",)))
    assert Reviewer._rule_present(patterns, "Dawn is to keep Dean away from the house.")
    assert Reviewer._rule_present(patterns, "Dawn to continue not to allow Dean in.")
    assert not Reviewer._rule_present(patterns, "The plan does not ask Dawn to keep Dean away.")
    # A safety-plan line that puts it on a woman named in the plan, even when Curio could not
    # tell from the text that she is the mother; agencies and the father are not caught by it.
    plain = rv._patterns(lens, "present", ())
    assert Reviewer._rule_present(plain, "- Chantelle will not allow Jordan into the house.")
    assert not Reviewer._rule_present(plain, "Police will call Chantelle every week.")
    assert not Reviewer._rule_present(plain, "He will ring the contact centre.")


def test_a_thorough_text_raises_no_absent_flags_and_needs_confident_meaning_hits() -> None:
    from assistant.review import ExplainedEvidence, LensSignals

    rv = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE))
    lens = rv.catalogue["child-voice"]
    nothing = LensSignals(
        evidence=[], strengths=[], score=0, covered=False, soft_covered=False, touched=False,
        any_present=False, gates_hold=True,
    )  # fmt: skip
    assert rv._decide(lens, nothing).kind == "absent"
    assert rv._decide(lens, nothing, thorough=True) is None
    rule = ExplainedEvidence(0, 5, "rule hit", why="rule")
    meaning = ExplainedEvidence(6, 12, "meaning", why="classifier")
    mixed = LensSignals(
        evidence=[rule, meaning], strengths=[1.0, 0.6], score=0.9, covered=False,
        soft_covered=False, touched=False, any_present=True, gates_hold=True,
    )  # fmt: skip
    assert rv._decide(lens, mixed).evidence == [rule, meaning]
    assert rv._decide(lens, mixed, thorough=True).evidence == [rule]
    weak = LensSignals(
        evidence=[meaning], strengths=[0.6], score=0.6, covered=False,
        soft_covered=False, touched=False, any_present=True, gates_hold=True,
    )  # fmt: skip
    assert rv._decide(lens, weak, thorough=True) is None


@pytest.mark.integration
def test_thorough_tuning_texts_count_as_thorough(embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.evaluation import load_scenarios

    rv = Reviewer(embedder, load_catalogue(CATALOGUE))
    scenarios = load_scenarios(ROOT / "evals" / "scenarios")
    thorough = [
        s for s in scenarios if s.split == "tune" and not s.required and len(s.forbidden) < 15
    ]
    flawed = [s for s in scenarios if s.split == "tune" and len(s.required) >= 3][:20]
    assert len(thorough) >= 10
    quiet = [s.id for s in thorough if not any(f.kind == "absent" for f in rv.review(s.text).flags)]
    assert len(quiet) >= 0.8 * len(thorough), set(s.id for s in thorough) - set(quiet)
    # A weak draft still gets its absent flags: it is not mistaken for a thorough one.
    assert any(f.kind == "absent" for s in flawed for f in rv.review(s.text).flags)


def test_headings_cover_nothing_and_mentions_only_touch() -> None:
    from assistant.review import _HEADING

    assert _HEADING.match("RETURN HOME INTERVIEW") and _HEADING.match("History and pattern")
    assert not _HEADING.match("Consent: recorded.")
    assert not _HEADING.match("- IDVA referral made and accepted")
    rv = Reviewer(FakeEmbedder(), load_catalogue(CATALOGUE))
    text = "The family are Roma and have a large extended family locally."
    some = {"covered:culture-identity": 0.35}  # enough for a coverage rule, not for meaning
    assert rv.label_thresholds.get("covered:culture-identity", 0.55) > 0.35
    sig = _one_sentence_signals(rv, "culture-identity", text, some)
    assert sig.touched and not sig.covered  # naming a heritage is not exploring it
