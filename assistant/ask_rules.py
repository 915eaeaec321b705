"""The ask composer's rules: ``prompts/ask_rules.yaml`` and ``prompts/ask_places.txt`` read
and checked at start-up (one clear line naming the key on any mistake), and the labels shown
beside citations. Split from ``assistant.answer``, which re-exports every name here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.ask_text import terms
from assistant.errors import CurioError
from assistant.not_names import load_not_names
from assistant.types import Chunk, Citation

KINDS = (
    "law",
    "statutory-guidance",
    "national-review",
    "inspection-finding",
    "practice-guidance",
    "local-procedure",
    "invented-example",
    "practice-prompt",
)
WEIGHTS = (
    "dense",
    "lexical",
    "key_terms",
    "phrase",
    "type_match",
    "passage",
    "rank",
    "authority",
)
FEATURES = (
    "duration",
    "number",
    "date",
    "provision",
    "law",
    "money",
    "contact",
    "agent",
    "enumeration",
    "deontic",
    "definition",
    "copula",
    "examples",
    "limits",
    "term",
)
MESSAGES = ("support", "jurisdiction", "place", "statistics", "topic", "named")
RULES_FILE = "ask_rules.yaml"
PLACES_FILE = "ask_places.txt"


# ---------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class QuestionType:
    name: str
    cues: tuple[re.Pattern[str], ...]
    wants: str
    requires: bool = False


@dataclass(frozen=True)
class Jurisdiction:
    id: str
    label: str
    cues: re.Pattern[str]
    # a place named only as where someone travels ("taking her to Pakistan") is not this
    # jurisdiction's law being asked about; None: every mention counts
    travel: re.Pattern[str] | None = None


@dataclass(frozen=True)
class KindInfo:
    label: str
    authority: float
    quote_as: str  # source | example | prompt


@dataclass(frozen=True)
class Place:
    name: str
    pattern: re.Pattern[str]
    strict: bool  # only when capitalised and not a person
    nation: str = "England"  # from the list's section headings ("# Wales", "# Scotland")


@dataclass(frozen=True)
class AskRules:
    """Everything the composer needs from ``prompts/``, checked when loaded."""

    weights: dict[str, float]
    clause_discount: float
    max_supporting: int
    support_margin: float
    diversity: float
    prefer_source_within: float
    follow_bonus: float
    widen_within: float
    modal_share: float
    list_unnamed_share: float
    duplicate_above: float
    min_chars: int
    max_chars: int
    support_below: float
    anchor_terms: int
    anchor_rarity: float
    anchor_single_rarity: float
    story_words: int
    anchored_support_below: float
    unknown_penalty: float
    types: tuple[QuestionType, ...]
    features: dict[str, re.Pattern[str]]
    kinds: dict[str, KindInfo]
    type_to_kind: dict[str, str]
    unknown_authority: float
    example_penalty: float
    own_words: re.Pattern[str]
    invented: re.Pattern[str]
    labels: dict[str, str]
    leans_back: re.Pattern[str]
    short_sentence: int
    lean_chain: int
    boilerplate_sections: int
    leans_early: re.Pattern[str]
    announces: re.Pattern[str]
    list_item: re.Pattern[str]
    glossary: tuple[tuple[re.Pattern[str], str], ...]
    stop_words: frozenset[str]
    source_pointer: re.Pattern[str]
    instruction_like: re.Pattern[str]
    home_jurisdiction: str
    jurisdictions: tuple[Jurisdiction, ...]
    shared_jurisdiction: re.Pattern[str]
    places: tuple[Place, ...]
    body_names: re.Pattern[str]
    not_names: frozenset[str]
    person_after: re.Pattern[str]
    person_before: re.Pattern[str]
    statistics: re.Pattern[str]
    statistics_now: re.Pattern[str]
    statistics_counted: re.Pattern[str]
    instruments: re.Pattern[str]
    messages: dict[str, str]
    topics: dict[str, str]
    covers: str
    covers_local: str
    digest: str = ""

    def kind_info(self, kind: str) -> KindInfo | None:
        return self.kinds.get(kind)

    def kind_of(self, chunk: Chunk) -> str:
        """A section's kind, read from the older front-matter ``type`` when it has none."""
        kind = chunk.kind
        if kind in self.kinds:
            return kind
        typ = str(chunk.metadata.get("type", "") or "")
        return self.type_to_kind.get(typ, "")

    @property
    def kind_labels(self) -> dict[str, str]:
        return {k: v.label for k, v in self.kinds.items()}

    def glossed(self, question: str) -> set[str]:
        """The practitioners' own words the glossary explains ("kids", "non-mol"): not words
        the library lacks, since the guidance's words are added for them."""
        out: set[str] = set()
        for pattern, _words in self.glossary:
            for m in pattern.finditer(question):
                out.update(terms(m.group(0), self.stop_words))
        return out

    def expand(self, question: str) -> str:
        """The question with the guidance's words added after practitioners' own ("dad
        (father)"), for searching and scoring; never shown."""
        found: list[tuple[int, int, str]] = []
        for pattern, words in self.glossary:
            for m in pattern.finditer(question):
                if not any(a < m.end() and m.start() < b for a, b, _ in found):
                    found.append((m.start(), m.end(), words))
        out, last = [], 0
        for _start, b, words in sorted(found):
            out.append(f"{question[last:b]} ({words})")
            last = b
        return "".join(out) + question[last:]


def _need(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise CurioError(f"{where} lacks the key '{key}'.")
    return data[key]


def _regex(value: Any, where: str, flags: int = re.I) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise CurioError(f"{where} must be a regular expression (text).")
    try:
        return re.compile(value, flags)
    except re.error as exc:
        raise CurioError(f"{where} is not a valid regular expression: {exc}.") from exc


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise CurioError(f"{where} must be a number from {low:g} to {high:g}.")
    return float(value)


#: A section heading of the place list that says which nation the names under it are in.
_NATION_HEADING = re.compile(r"^#\s*(England|Wales|Scotland|Northern Ireland)\b")


def _load_places(path: Path) -> tuple[Place, ...]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise CurioError(f"The place list {path} is missing.") from exc
    except UnicodeDecodeError as exc:
        raise CurioError(f"The place list {path} is not UTF-8 text.") from exc
    out: dict[str, Place] = {}
    nation = "England"
    for line in lines:
        name = line.strip()
        heading = _NATION_HEADING.match(name)
        if heading:
            nation = heading.group(1)
        if not name or name.startswith("#"):
            continue
        strict = name.startswith("!")
        name = name.lstrip("!").strip()
        words = [re.escape(w) for w in name.split()]
        body = r"[\s-]+".join(words).replace(r"\ and\ ", r"\s+(?:and|&)\s+")
        flags = 0 if strict else re.I
        pattern = re.compile(rf"(?<![\w-]){body}(?![\w-])", flags)
        out[name.lower()] = Place(name, pattern, strict, nation)
    if not out:
        raise CurioError(f"The place list {path} names no places.")
    # longest first, so "North Yorkshire" is found before "Yorkshire"
    return tuple(sorted(out.values(), key=lambda p: -len(p.name)))


def load_ask_rules(prompts_dir: Path | str) -> AskRules:
    """Read ``ask_rules.yaml`` and ``ask_places.txt``; one clear line on any mistake."""
    folder = Path(prompts_dir)
    path = folder / RULES_FILE
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError as exc:
        raise CurioError(f"The ask rules {path} are missing.") from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurioError(f"The ask rules {path} are not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CurioError(f"The ask rules {path} must be a mapping.")
    w = path.name
    raw_weights = _need(data, "weights", w)
    if not isinstance(raw_weights, dict):
        raise CurioError(f"{w}: weights must be a mapping.")
    missing = [k for k in WEIGHTS if k not in raw_weights]
    if missing:
        raise CurioError(f"{w}: weights lacks {', '.join(missing)}.")
    weights = {k: _number(raw_weights[k], f"{w}: weights.{k}", 0, 5) for k in WEIGHTS}
    raw_features = _need(data, "features", w)
    features = {
        k: _regex(_need(raw_features, k, f"{w}: features"), f"{w}: features.{k}") for k in FEATURES
    }
    features["agent"] = _regex(raw_features["agent"], f"{w}: features.agent", 0)  # names: case
    types = []
    for n, t in enumerate(_need(data, "question_types", w) or []):
        where = f"{w}: question_types[{n}]"
        if not isinstance(t, dict):
            raise CurioError(f"{where} must be a mapping.")
        name = str(_need(t, "name", where))
        wants = str(_need(t, "wants", where))
        if wants not in features:
            raise CurioError(f"{where} wants {wants!r}, which is not a feature.")
        cues = tuple(
            _regex(c, f"{where}.cues[{i}]") for i, c in enumerate(_need(t, "cues", where) or [])
        )
        if not cues:
            raise CurioError(f"{where} has no cues.")
        types.append(QuestionType(name, cues, wants, bool(t.get("requires", False))))
    kinds: dict[str, KindInfo] = {}
    raw_kinds = _need(data, "kinds", w)
    for k in KINDS:
        info = _need(raw_kinds, k, f"{w}: kinds")
        quote_as = str(_need(info, "quote_as", f"{w}: kinds.{k}"))
        if quote_as not in ("source", "example", "prompt"):
            raise CurioError(f"{w}: kinds.{k}.quote_as must be source, example or prompt.")
        kinds[k] = KindInfo(
            label=str(_need(info, "label", f"{w}: kinds.{k}")),
            authority=_number(_need(info, "authority", f"{w}: kinds.{k}"), f"{w}: {k}", 0, 1),
            quote_as=quote_as,
        )
    type_to_kind = {str(a): str(b) for a, b in (_need(data, "type_to_kind", w) or {}).items()}
    bad = sorted(set(type_to_kind.values()) - set(KINDS))
    if bad:
        raise CurioError(f"{w}: type_to_kind names unknown kind(s) {', '.join(bad)}.")
    labels = _need(data, "labels", w)
    for k in ("example", "prompt"):
        if not isinstance(labels.get(k), str):
            raise CurioError(f"{w}: labels.{k} must be text.")
    jurisdictions = []
    for n, j in enumerate(_need(data, "jurisdictions", w) or []):
        where = f"{w}: jurisdictions[{n}]"
        jurisdictions.append(
            Jurisdiction(
                id=str(_need(j, "id", where)),
                label=str(_need(j, "label", where)),
                cues=_regex(_need(j, "cues", where), f"{where}.cues"),
                travel=_regex(j["travel"], f"{where}.travel") if j.get("travel") else None,
            )
        )
    body = _regex(_need(data, "body_nouns", w), f"{w}: body_nouns")
    body_names = re.compile(
        r"\b((?:[A-Z][\w'’-]*)(?:\s+(?:[A-Z][\w'’-]*|upon|on|and|with))*)(?:'s|’s)?\s+"
        rf"(?i:{body.pattern})\b"
    )
    raw_stop = _need(data, "stop_words", w) or []
    odd = [repr(x) for x in raw_stop if not isinstance(x, str)]
    if odd:  # YAML reads a bare on, off, no or yes as true/false
        raise CurioError(f"{w}: stop_words must be text; quote {', '.join(odd)}.")
    nouns = _regex(_need(data, "instrument_nouns", w), f"{w}: instrument_nouns", 0)
    name_word = r"(?:[A-Z][\w'’-]*|\((?:[A-Z][\w ]*)\))"
    instruments = re.compile(
        rf"\b({name_word}(?:\s+(?:{name_word}|and|of|for|on|the|to|&))*)\s+(?:{nouns.pattern})"
        r"(?:\s+\(?[A-Z]{1,3}\)?)?(?:\s+(?:19|20)\d\d)?(?![\w-])"
    )
    messages = _need(data, "messages", w)
    for k in MESSAGES:
        if not isinstance(messages.get(k), str):
            raise CurioError(f"{w}: messages.{k} must be text.")
    rules = AskRules(
        weights=weights,
        clause_discount=_number(_need(data, "clause_discount", w), f"{w}: clause_discount", 0, 1),
        max_supporting=int(_number(_need(data, "max_supporting", w), f"{w}: max_supporting", 0, 8)),
        support_margin=_number(_need(data, "support_margin", w), f"{w}: support_margin", 0, 2),
        diversity=_number(_need(data, "diversity", w), f"{w}: diversity", 0, 1),
        follow_bonus=_number(_need(data, "follow_bonus", w), f"{w}: follow_bonus", 0, 1),
        widen_within=_number(_need(data, "widen_within", w), f"{w}: widen_within", 0, 1),
        modal_share=_number(_need(data, "modal_share", w), f"{w}: modal_share", 0, 1),
        list_unnamed_share=_number(
            _need(data, "list_unnamed_share", w), f"{w}: list_unnamed_share", 0, 1
        ),
        prefer_source_within=_number(
            _need(data, "prefer_source_within", w), f"{w}: prefer_source_within", 0, 2
        ),
        duplicate_above=_number(_need(data, "duplicate_above", w), f"{w}: duplicate_above", 0, 1),
        min_chars=int(_number(_need(data, "min_sentence_chars", w), f"{w}: min", 1, 500)),
        max_chars=int(_number(_need(data, "max_sentence_chars", w), f"{w}: max", 50, 5000)),
        support_below=_number(_need(data, "support_below", w), f"{w}: support_below", 0, 1),
        anchor_terms=int(_number(_need(data, "anchor_terms", w), f"{w}: anchor_terms", 1, 10)),
        anchor_rarity=_number(_need(data, "anchor_rarity", w), f"{w}: anchor_rarity", 0, 20),
        story_words=int(_number(_need(data, "story_words", w), f"{w}: story_words", 1, 100)),
        anchor_single_rarity=_number(
            _need(data, "anchor_single_rarity", w), f"{w}: anchor_single_rarity", 0, 20
        ),
        anchored_support_below=_number(
            _need(data, "anchored_support_below", w), f"{w}: anchored_support_below", 0, 1
        ),
        unknown_penalty=_number(_need(data, "unknown_penalty", w), f"{w}: unknown_penalty", 0, 1),
        types=tuple(types),
        features=features,
        kinds=kinds,
        type_to_kind=type_to_kind,
        example_penalty=_number(_need(data, "example_penalty", w), f"{w}: example_penalty", 0, 1),
        unknown_authority=_number(
            _need(data, "unknown_authority", w), f"{w}: unknown_authority", 0, 1
        ),
        own_words=_regex(_need(data, "own_words", w), f"{w}: own_words"),
        invented=_regex(_need(data, "invented", w), f"{w}: invented"),
        labels={k: str(labels[k]) for k in ("example", "prompt")},
        leans_back=_regex(_need(data, "leans_back", w), f"{w}: leans_back"),
        short_sentence=int(
            _number(_need(data, "short_sentence_chars", w), f"{w}: short_sentence_chars", 0, 200)
        ),
        lean_chain=int(_number(_need(data, "lean_chain", w), f"{w}: lean_chain", 2, 5)),
        boilerplate_sections=int(
            _number(_need(data, "boilerplate_sections", w), f"{w}: boilerplate_sections", 2, 1000)
        ),
        leans_early=_regex(_need(data, "leans_early", w), f"{w}: leans_early"),
        announces=_regex(_need(data, "announces", w), f"{w}: announces"),
        list_item=_regex(_need(data, "list_item", w), f"{w}: list_item"),
        glossary=tuple(
            (_regex(rf"(?<![\w-])(?:{k})(?![\w])", f"{w}: glossary {k!r}"), str(v))
            for k, v in (_need(data, "glossary", w) or {}).items()
        ),
        stop_words=frozenset(x.lower() for x in raw_stop),
        source_pointer=_regex(_need(data, "source_pointer", w), f"{w}: source_pointer"),
        instruction_like=_regex(_need(data, "instruction_like", w), f"{w}: instruction_like"),
        home_jurisdiction=str(_need(data, "home_jurisdiction", w)),
        jurisdictions=tuple(jurisdictions),
        shared_jurisdiction=_regex(
            _need(data, "shared_jurisdiction", w), f"{w}: shared_jurisdiction"
        ),
        places=_load_places(folder / PLACES_FILE),
        body_names=body_names,
        not_names=load_not_names("ask", folder),
        person_after=_regex(_need(data, "person_after", w), f"{w}: person_after"),
        person_before=_regex(_need(data, "person_before", w), f"{w}: person_before"),
        statistics=_regex(_need(data, "statistics", w), f"{w}: statistics"),
        statistics_now=_regex(_need(data, "statistics_now", w), f"{w}: statistics_now"),
        statistics_counted=_regex(_need(data, "statistics_counted", w), f"{w}: statistics_counted"),
        instruments=instruments,
        messages={k: str(messages[k]) for k in MESSAGES},
        topics={str(k): str(v) for k, v in (_need(data, "topics", w) or {}).items()},
        covers=str(_need(data, "covers", w)),
        covers_local=str(_need(data, "covers_local", w)),
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    for t in rules.types:
        if t.requires and t.name not in rules.topics:
            raise CurioError(f"{w}: topics lacks '{t.name}' (a question type that requires).")
    return rules


def kind_label(kind: str, labels: dict[str, str] | None = None) -> str:
    """How a kind is shown beside a citation ("statutory guidance")."""
    if not kind:
        return ""
    return (labels or {}).get(kind) or kind.replace("-", " ")


def place_label(jurisdiction: str) -> str:
    """``england-and-wales`` -> "England and Wales"; ``uk`` -> "UK"."""
    raw = str(jurisdiction or "").strip()
    if not raw:
        return ""
    words = raw.replace("-", " ").split()
    return " ".join(
        w.upper() if w.lower() == "uk" else w if w == "and" else w.capitalize() for w in words
    )


def caveat_notices(citations: Sequence[Citation]) -> list[str]:
    """A note for each cited source that is superseded or from another nation."""
    return [
        f"[{n}] is from {c.title}: {c.caveat}; check current England guidance before relying on it."
        for n, c in enumerate(citations, start=1)
        if c.caveat
    ]
