"""The review: which of the fifteen lenses a draft falls short on, why, and what to ask.

1. The text is checked (not empty, not too long, English, text) in ``text.py``.
2. It is split into sentences with offsets; the learned lens model (``model.py``) reads each
   sentence with its neighbours and heading, and says for every lens how likely the sentence
   is to fall short, to cover the ground, to raise the subject, or none of these. The same
   pass says how likely the text is to be about a family at all; a policy summary, agenda,
   course outline or inspection letter is not, and gets no flags. Nor does a text that names
   no one in a family (``Reviewer.names_family``: a staff e-mail about the car park).
3. A learned judge (``judge.py``, fitted on labelled whole texts) decides from the readings
   which lenses the text falls short on; ``decide.py`` picks each flag's evidence (the
   sentences that fall short: "present"; else the sentence that raises the subject:
   "absent"). Exact facts (a baby's age, a pregnancy, a teenager) gate the lenses that only
   apply to them. Without a judge (unit tests' small fakes) ``decide.py``'s thresholds in
   ``prompts/review.yaml`` decide.
4. Each flag carries its evidence (the sentences it rests on), the chain of reasons in plain
   words, the catalogue's questions (names filled in) and guidance citations.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from assistant.lenses import Catalogue, Lens
from assistant.review.data import units_for
from assistant.review.decide import (
    DecisionParams,
    LensReading,
    apply_judgement,
    is_thorough,
    read_text,
)
from assistant.review.model import Unit
from assistant.review.text import (
    DEFAULT_MAX_CHARS,
    NO_FAMILY_NAMED,
    NOT_CASE_MATERIAL,
    NOT_TEXT,
    Sentence,
    ages,
    check_input,
    fill_question,
    find_names,
    infant_facts,
    split_sentences,
)
from assistant.types import Citation, Evidence, Flag, Hit, ReviewResult

NO_FLAGS = "no lens flags were raised; the questions still stand for supervision"
UNSEEN_LENS = "perpetrator-invisible"


def _unseen_harm(person: Any) -> bool:
    """An adult in the family whose behaviour the text reads as the harm, never recorded as
    seen and with no check recorded on them."""
    return bool(
        person.causing_harm
        and person.is_family_adult
        and person.role not in ("mother", "grandparent")
        and not person.seen
        and not person.checks
    )


class SupportsRead(Protocol):
    """The trained lens model as the reviewer uses it (tests hand in small fakes)."""

    lenses: tuple[str, ...]

    def read(self, units: Sequence[Unit]) -> Any: ...  # -> build.Reading


class SupportsJudge(Protocol):
    """The learned whole-text decision (``judge.Judge``; tests may hand in fakes)."""

    def flags(
        self, probs: np.ndarray, about_family: float, gates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...


class SupportsSearch(Protocol):
    def search(self, query: str, k: int = 5, prefer_lens: str | None = None) -> list[Hit]: ...


def exact_gates(text: str) -> dict[str, bool]:
    """Lenses that only apply when an exact fact is in the text."""
    years = ages(text)
    return {
        "infant-vulnerability": infant_facts(text),
        "exploitation": any(a >= 10 for a in years) or not years,
    }


class Reviewer:
    """Reviews case text with the trained lens model. Build once per process; ``review`` is
    cheap (one model pass per sentence)."""

    def __init__(
        self,
        model: SupportsRead,
        catalogue: Catalogue,
        retriever: SupportsSearch | None = None,
        *,
        params: DecisionParams | None = None,
        judge: SupportsJudge | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        citations_per_flag: int = 3,
        people: Callable[[str], Sequence[Any]] | None = None,
    ) -> None:
        self.model = model
        self.judge = judge
        self.catalogue = catalogue
        self.retriever = retriever
        self.params = params or DecisionParams()
        self.max_chars = max_chars
        self.citations_per_flag = citations_per_flag
        #: the case model's reading of a text's people (``assistant.casefile`` by default;
        #: tests hand in small fakes)
        self._people_of = people
        self._citation_cache: dict[str, list[Citation]] = {}
        self._citation_edition = ""
        self._lock = threading.Lock()
        missing = [lens.id for lens in catalogue if lens.id not in model.lenses]
        if missing:
            raise ValueError(f"the lens model does not know lens(es) {missing}")

    # --- public steps -------------------------------------------------------------------
    def check_input(self, text: Any) -> str | None:
        """A one-line reason when the input cannot be reviewed, else None."""
        try:
            return check_input(text, self.max_chars)
        except Exception:  # odd objects must not crash the caller
            return NOT_TEXT

    def read(self, text: str) -> tuple[list[Sentence], np.ndarray, float]:
        """Sentences, the model's probabilities (n_sentences, n_lenses, 4) in catalogue order,
        and the probability that the text is about a family."""
        return self._read(text, self._sentences(text)[0])

    def _sentences(self, text: str) -> tuple[list[Sentence], list[Sentence]]:
        """The text's sentences to read, and those left out as words to an AI tool."""
        sentences = split_sentences(text)
        if not self.params.addressed_to_tool:
            return sentences, []
        # words to an AI tool are no case text: left out, they cannot move the judge
        to_tool = _tool_pattern(self.params.addressed_to_tool)
        kept = [s for s in sentences if not to_tool.search(s.text)]
        return kept, [s for s in sentences if to_tool.search(s.text)]

    def _read(
        self, text: str, sentences: list[Sentence]
    ) -> tuple[list[Sentence], np.ndarray, float]:
        if not sentences:
            return [], np.zeros((0, len(self.catalogue), 4), dtype=np.float32), 0.0
        reading = self.model.read(units_for(text, sentences))
        order = [self.model.lenses.index(lens.id) for lens in self.catalogue]
        return sentences, reading.probs[:, order, :], float(reading.about_family)

    def readings(self, text: str) -> tuple[list[Sentence], list[LensReading], float]:
        """Every lens's reading of a text (case material or not), decided."""
        sentences, probs, family = self.read(text)
        readings, _people = self.decide(text, probs, family)
        return sentences, readings, family

    def decide(
        self, text: str, probs: np.ndarray, family: float
    ) -> tuple[list[LensReading], list[Any] | None]:
        """Each lens's reading with its decision, and the case model's people when the
        decision needed them (None otherwise)."""
        lenses = [lens.id for lens in self.catalogue]
        gates = exact_gates(text)
        readings = read_text(probs, lenses, self.params, gates)
        if self.judge is not None:
            gate_row = np.array([gates.get(lens, True) for lens in lenses])
            raised, scores = self.judge.flags(probs, family, gate_row)
            apply_judgement(
                readings, raised, scores, self.params.judge_floor, frozenset({UNSEEN_LENS})
            )
            return readings, self._unseen_evidence(text, readings)
        return readings, self._unseen_adults(text, readings, is_thorough(probs, self.params))

    def review(self, text: Any) -> ReviewResult:
        """Review one draft. Never raises on bad input: the message says what was wrong."""
        problem = self.check_input(text)
        if problem:
            return ReviewResult(flags=[], message=problem, is_case_material=False)
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode("utf-8")
        kept, dropped = self._sentences(text)
        left_out = [Evidence(s.start, s.end, s.text) for s in dropped]
        sentences, probs, family = self._read(text, kept)
        if not sentences or family < self.params.case_material:
            return ReviewResult([], NOT_CASE_MATERIAL, is_case_material=False, left_out=left_out)
        if not self.names_family(text):
            return ReviewResult([], NO_FAMILY_NAMED, is_case_material=False, left_out=left_out)
        readings, people = self.decide(text, probs, family)
        names = find_names(text)
        flags: list[Flag] = []
        for r in readings:
            if r.kind is None:
                continue
            lens = self.catalogue[r.lens]
            flags.append(self._flag(lens, r, sentences, names))
        self._add_people(text, flags, people)
        edition = self._guidance_edition() if flags and self.retriever is not None else ""
        for f in flags:
            f.citations = self.citations_for(self.catalogue[f.lens], edition)
        flags.sort(
            key=lambda f: (self.catalogue[f.lens].severity, f.kind != "present", -f.score, f.lens)
        )
        message = "" if flags else NO_FLAGS
        return ReviewResult(flags, message, is_case_material=True, left_out=left_out)

    def names_family(self, text: str) -> bool:
        """Whether the text names or describes anyone in a family: a person the case model
        reads as other than a professional, or one of ``family_words``. The lens model's
        "about a family" reading is of the whole text's gist, and staff e-mails that mention
        a children's centre pass it; held out, these drew most of the flags raised on texts
        about no family."""
        words = self.params.family_words
        if not words:
            return True
        if re.search(words, text, re.IGNORECASE):
            return True
        people = self._read_people(text)
        return people is None or any(p.role != "professional" for p in people)

    # --- explanations -------------------------------------------------------------------
    def _flag(
        self, lens: Lens, r: LensReading, sentences: list[Sentence], names: dict[str, str]
    ) -> Flag:
        def quote(i: int) -> str:
            s = " ".join(sentences[i].text.split())
            return f'"{s[:160]}{"..." if len(s) > 160 else ""}"'

        reasons: list[str] = []
        evidence: list[Evidence] = []
        if r.kind == "present":
            for i in r.shortfall:
                s = sentences[i]
                evidence.append(Evidence(s.start, s.end, s.text))
            if r.raised_by is not None and r.raised_by not in r.shortfall:
                reasons.append(f"{lens.reason_raised} here: {quote(r.raised_by)}")
            reasons.append(f"{lens.reason_shortfall} here: {quote(r.shortfall[0])}")
            reasons.append(f"Nothing found that answers it: {lens.looked_for}")
        else:
            if r.raised_by is not None:
                s = sentences[r.raised_by]
                evidence.append(Evidence(s.start, s.end, s.text))
                reasons.append(f"{lens.reason_raised} here: {quote(r.raised_by)}")
            elif r.evidence_hint:
                for i, s in enumerate(sentences):
                    if s.start <= r.evidence_hint[0][0] < s.end:
                        evidence.append(Evidence(s.start, s.end, s.text))
                        reasons.append(f"{lens.reason_raised} here: {quote(i)}")
                        break
            reasons.append(f"Nothing found that covers it: {lens.looked_for}")
        return Flag(
            lens=lens.id,
            kind="present" if r.kind == "present" else "absent",
            evidence=evidence,
            questions=[fill_question(q, names) for q in lens.questions],
            looked_for=lens.looked_for if r.kind == "absent" else "",
            score=round(r.score, 4),
            name=lens.name,
            reasons=reasons,
        )

    def _unseen_evidence(self, text: str, readings: list[LensReading]) -> list[Any] | None:
        """When the abusive adult's visibility is raised as missing and no sentence raises it,
        point at the adult the case model finds unseen and unchecked. Returns the people read
        (None when not needed)."""
        r = next((x for x in readings if x.lens == UNSEEN_LENS), None)
        if r is None or r.kind != "absent" or r.raised_by is not None:
            return None
        people = self._people(text)
        unseen = [p for p in people if _unseen_harm(p)]
        if unseen:
            r.evidence_hint = [(e.start, e.end) for e in unseen[0].evidence[:1]]
        return people

    def _unseen_adults(
        self, text: str, readings: list[LensReading], thorough: bool
    ) -> list[Any] | None:
        """The case model's people, read when the abusive adult's visibility is in question.

        The lens model reads sentences, and an adult nobody saw or checked is an absence no
        sentence states. When the model raised nothing for ``perpetrator-invisible`` and
        nothing covers it, the case model (``assistant.casefile``) is asked: an adult the
        text reads as causing the harm, with no record of being seen or of any check, raises
        the lens as missing. Returns the people read (None when not needed)."""
        r = next((x for x in readings if x.lens == UNSEEN_LENS), None)
        mode = self.params.case_model_unseen
        if r is None or mode == "off" or (mode == "unless-thorough" and thorough):
            return None
        if r.kind is None and r.best_cover >= self.params.for_lens(UNSEEN_LENS).cover:
            return None
        people = self._people(text)
        if r.kind is None:
            unseen = [p for p in people if _unseen_harm(p)]
            if unseen:
                r.kind = "absent"
                r.score = max(r.relevance, 0.5) * (1.0 - r.best_cover)
                r.evidence_hint = [(e.start, e.end) for e in unseen[0].evidence[:1]]
        return people

    def _read_people(self, text: str) -> list[Any] | None:
        """The case model's people; None when it cannot read the text (the case model helps
        the review: it is never a reason to fail one, nor to stop one)."""
        from assistant.casefile import extract_case

        try:
            if self._people_of is not None:
                return list(self._people_of(text))
            return list(extract_case(text).people)
        except Exception:
            return None

    def _people(self, text: str) -> list[Any]:
        return self._read_people(text) or []

    def _add_people(self, text: str, flags: list[Flag], people: list[Any] | None) -> None:
        """For a flag about the abusive adult being unseen or unchecked, name the adults the
        case model finds with nothing recorded."""
        flag = next((f for f in flags if f.lens == UNSEEN_LENS), None)
        if flag is None:
            return
        if people is None:
            people = self._people(text)
        for p in people:
            if not p.is_family_adult or p.role == "mother" or p.role == "grandparent":
                continue
            missing = []
            if not p.seen:
                missing.append("not recorded as seen")
            if p.missing_checks:
                missing.append("no " + ", ".join(p.missing_checks) + " check recorded")
            if missing:
                flag.reasons.insert(-1, f"{p.name} ({p.role}): {'; '.join(missing)}")

    # --- citations ----------------------------------------------------------------------
    def _guidance_edition(self) -> str:
        """Which generation of the guidance index the retriever reads ("" if it cannot say):
        citations are cached per generation, so a new `curio ingest` shows in the next review."""
        index = getattr(self.retriever, "index", None)
        try:
            return str(getattr(index, "fingerprint", ""))
        except Exception:  # a broken index must not stop the review
            return ""

    def citations_for(self, lens: Lens, edition: str | None = None) -> list[Citation]:
        """Passages for the lens's fixed guidance queries, cached per index generation."""
        if self.retriever is None:
            return []
        if edition is None:
            edition = self._guidance_edition()
        with self._lock:
            if edition != self._citation_edition:
                self._citation_cache.clear()
                self._citation_edition = edition
            if lens.id in self._citation_cache:
                return list(self._citation_cache[lens.id])
        hits: list[Hit] = []
        for q in lens.guidance_queries:
            try:
                hits.extend(self.retriever.search(q, k=4, prefer_lens=lens.id))
            except Exception:  # a broken index must not stop the review; flags still stand
                continue
        # One citation per (source, section): two chunks of the same section read as a repeat.
        best: dict[tuple[str, str], Hit] = {}
        for h in hits:
            key = (h.chunk.source, h.chunk.section)
            if key not in best or h.score > best[key].score:
                best[key] = h
        # Curio's own practice prompts are not guidance: cite the sources first.
        ranked = sorted(
            best.values(),
            key=lambda h: (
                lens.id not in h.chunk.lenses,
                h.chunk.kind == "practice-prompt",
                -h.score,
            ),
        )
        cites = [Citation.from_hit(h) for h in ranked[: self.citations_per_flag]]
        with self._lock:
            self._citation_cache[lens.id] = cites
        return list(cites)


@functools.lru_cache(maxsize=8)
def _tool_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled screen for words to an AI tool (compiled once per pattern, not per read;
    ``params`` can be swapped after start-up, so it is not compiled in ``__init__``)."""
    return re.compile(pattern, re.IGNORECASE)
