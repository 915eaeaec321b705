"""Plain data shared by retrieval, review, chat, the CLI and the app.

Kept free of heavy imports so every layer (and every test) can use them.
The JSON shapes follow the CLI contract in DESIGN.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NotRequired, TypedDict

# Whose words a passage is, and where it applies (issue 16). The keys are what the corpus, the
# chunk metadata and every --json carry; the values are how a citation says it to a person.
KINDS: dict[str, str] = {
    "law": "law",
    "statutory-guidance": "statutory guidance",
    "national-review": "national review",
    "inspection-finding": "inspection finding",
    "practice-guidance": "practice guidance",
    "local-procedure": "local procedure",
    "invented-example": "invented example",
    "practice-prompt": "Curio practice prompt",
}
JURISDICTIONS: dict[str, str] = {
    "england": "England",
    "england-and-wales": "England and Wales",
    "uk": "UK",
}
# Other nations a user's own document may name: accepted, and flagged beside its citations.
OTHER_JURISDICTIONS: dict[str, str] = {
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}


def vocab_key(value: object) -> str:
    """'England and Wales', 'England & Wales' and 'england-and-wales' all read the same."""
    text = str(value or "").strip().lower().replace("&", " and ").replace("_", " ")
    return "-".join(re.findall(r"[a-z0-9]+", text))


def normalise_jurisdiction(value: object) -> str:
    """A stored jurisdiction in the lower-case hyphenated form; older indexes said 'England'."""
    return vocab_key(value)


def kind_label(kind: str) -> str:
    """The readable words for a kind ("inspection finding"); "" for none or an unknown one."""
    return KINDS.get(vocab_key(kind), "")


def jurisdiction_label(jurisdiction: str) -> str:
    key = normalise_jurisdiction(jurisdiction)
    return (JURISDICTIONS | OTHER_JURISDICTIONS).get(key, str(jurisdiction or "").strip())


@dataclass(frozen=True)
class Chunk:
    """One citable piece of a source document, as stored in the index."""

    id: str
    text: str
    source: str  # file name (or path relative to the ingested folder)
    title: str
    section: str  # section path, e.g. "Post-separation abuse" or "Part A > Contact"
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def lenses(self) -> list[str]:
        raw = self.metadata.get("lenses", "")
        return [x for x in str(raw).split(",") if x]

    @property
    def kind(self) -> str:
        """Whose words these are (law, statutory-guidance, ..., practice-prompt); "" if unknown."""
        return str(self.metadata.get("kind", ""))


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score (higher is better) and where it came from."""

    chunk: Chunk
    score: float
    dense_score: float | None = None  # cosine similarity, when the dense retriever saw it
    bm25_score: float | None = None

    @property
    def relevance(self) -> float:
        """A 0..1 relevance figure people can read: the cosine similarity to the query."""
        return max(0.0, min(1.0, self.dense_score if self.dense_score is not None else 0.0))

    def to_json(self) -> dict[str, Any]:
        meta = self.chunk.metadata
        return {
            "source": self.chunk.source,
            "title": self.chunk.title,
            "section": self.chunk.section,
            "text": self.chunk.text,
            "score": round(self.score, 6),
            "publisher": meta.get("publisher", ""),
            "year": meta.get("year", ""),
            "jurisdiction": normalise_jurisdiction(meta.get("jurisdiction", "")),
            "kind": self.chunk.kind,
            "status": meta.get("status", ""),
            "page": meta.get("page"),
            "chunk_id": self.chunk.id,
        }


@dataclass(frozen=True)
class Citation:
    source: str
    title: str
    section: str
    chunk_id: str = ""
    publisher: str = ""
    year: str = ""
    jurisdiction: str = ""
    status: str = ""
    text: str = ""
    relevance: float = 0.0
    kind: str = ""  # whose words: law, statutory-guidance, ..., practice-prompt

    @classmethod
    def from_hit(cls, hit: Hit) -> Citation:
        m = hit.chunk.metadata
        return cls(
            source=hit.chunk.source,
            title=hit.chunk.title,
            section=hit.chunk.section,
            chunk_id=hit.chunk.id,
            publisher=str(m.get("publisher", "")),
            year=str(m.get("year", "")),
            jurisdiction=normalise_jurisdiction(m.get("jurisdiction", "")),
            status=str(m.get("status", "")),
            text=hit.chunk.text,
            relevance=round(hit.relevance, 4),
            kind=hit.chunk.kind,
        )

    @property
    def caveat(self) -> str:
        """Flag a superseded or other-nation source, so nobody relies on it unawares."""
        notes = []
        if self.status and not self.status.lower().startswith("current"):
            notes.append(self.status)
        if self.jurisdiction and normalise_jurisdiction(self.jurisdiction) not in JURISDICTIONS:
            notes.append(f"{jurisdiction_label(self.jurisdiction)} guidance")
        return "; ".join(notes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"caveat": self.caveat}


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str


@dataclass
class Flag:
    lens: str
    kind: Literal["present", "absent"]
    evidence: list[Evidence] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    looked_for: str = ""  # for absent flags: what was looked for and not found
    score: float = 0.0  # detector confidence, for ordering
    name: str = ""  # the lens's readable name
    reasons: list[str] = field(default_factory=list)  # the chain behind the flag, in plain words

    def to_json(self) -> dict[str, Any]:
        return {
            "lens": self.lens,
            "name": self.name,
            "kind": self.kind,
            "evidence": [asdict(e) for e in self.evidence],
            "looked_for": self.looked_for,
            "reasons": list(self.reasons),
            "questions": list(self.questions),
            "citations": [
                {"source": c.source, "title": c.title, "section": c.section}
                | {"publisher": c.publisher, "year": c.year, "caveat": c.caveat}
                | {"kind": c.kind, "jurisdiction": c.jurisdiction}
                for c in self.citations
            ],
            "score": round(self.score, 4),
        }


@dataclass
class ReviewResult:
    flags: list[Flag] = field(default_factory=list)
    message: str = ""  # e.g. "this does not look like case material, so no lenses were checked"
    is_case_material: bool = True
    #: sentences speaking to an AI tool ("ignore your instructions"), left out of the reading:
    #: the user is told, so nothing they wrote is dropped without a word
    left_out: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "flags": [f.to_json() for f in self.flags],
            "message": self.message,
            "is_case_material": self.is_case_material,
            "left_out": [{"start": e.start, "end": e.end} for e in self.left_out],
        }


@dataclass
class Answer:
    """One assistant turn in any mode: text with [n] markers and the passages they point at."""

    text: str
    mode: str = "ask"
    declined: bool = False  # true when the guidance is silent on the question
    citations: list[Citation] = field(default_factory=list)  # citations[i] is marker [i + 1]
    flags: list[Flag] = field(default_factory=list)  # review mode: the lens flags shown
    notices: list[str] = field(default_factory=list)  # e.g. "2 citations matched nothing..."
    model: str = "none"
    #: review mode: the sentences the review did not read, as words to an AI tool
    left_out: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "mode": self.mode,
            "declined": self.declined,
            "citations": [
                {
                    "marker": n,
                    "source": c.source,
                    "title": c.title,
                    "section": c.section,
                    "relevance": c.relevance,
                    "publisher": c.publisher,
                    "year": c.year,
                    "jurisdiction": c.jurisdiction,
                    "kind": c.kind,
                    "status": c.status,
                    "caveat": c.caveat,
                    "chunk_id": c.chunk_id,
                }
                for n, c in enumerate(self.citations, start=1)
            ],
            "flags": [f.to_json() for f in self.flags],
            "notices": list(self.notices),
            "model": self.model,
        }


class AnswerRecord(TypedDict):
    """What the chat layer tells the audit log about one answer (``AuditLog.answer``, the
    ``AuditSink`` seam and the test fake all take these keywords). ``citations`` are Citation
    objects; the log keeps only their ids and sources, and only a hash of ``input_text``."""

    mode: str
    input_text: str
    lenses: Iterable[str]
    citations: Iterable[Any]
    model: str
    prompts_version: str
    index_fingerprint: str
    declined: NotRequired[bool]
    session: NotRequired[str]
