"""The starter corpus keeps its contract: valid front matter, citable sections, lens coverage."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from assistant.ingest import load_document, parse_front_matter
from assistant.lenses import LENS_IDS
from assistant.settings import REPO_ROOT
from assistant.types import JURISDICTIONS, KINDS

CORPUS = REPO_ROOT / "corpus"
TYPES = {
    "statutory-guidance",
    "legislation",
    "national-review",
    "inspection-finding",
    "practice-model",
    "risk-tool",
    "research",
    "local-procedure-example",
}
REQUIRED = (
    "title",
    "publisher",
    "year",
    "reference",
    "type",
    "kind",
    "jurisdiction",
    "status",
    "lenses",
    "summary",
)
# Kinds whose sections report what a source found: Curio's own advice must not sit inside them.
FINDING_KINDS = {"inspection-finding", "national-review"}
# A line that gives Curio's advice (or an inspector-style recommendation that the source did not
# make) rather than reporting the source.
PROMPT_LINE = re.compile(
    r"^\s*(area for improvement|why it matters|what (this|it) means|curio('s)? (practice )?prompt"
    r"|practice prompt|for practi(ce|tioners)|for (a )?supervis)",
    re.I,
)
MAX_WORDS = 400
FILES = sorted(CORPUS.glob("*.md"))


def words(text: str) -> int:
    return len(re.findall(r"\S+", text))


def check_front_matter(meta: dict, name: str) -> list[str]:
    """Every problem with one file's front matter, as readable lines."""
    problems = [f"{name}: missing {key}" for key in REQUIRED if not meta.get(key)]
    if meta.get("type") and meta["type"] not in TYPES:
        problems.append(f"{name}: unknown type {meta['type']!r}")
    if meta.get("kind") and meta["kind"] not in KINDS:
        problems.append(f"{name}: unknown kind {meta['kind']!r}")
    if meta.get("jurisdiction") and meta["jurisdiction"] not in JURISDICTIONS:
        problems.append(f"{name}: unknown jurisdiction {meta['jurisdiction']!r}")
    status = str(meta.get("status", ""))
    if status and not (status == "current" or status.startswith("superseded by ")):
        problems.append(f"{name}: status must be 'current' or 'superseded by ...'")
    if status.startswith("superseded by ") and not meta.get("superseded_by"):
        problems.append(f"{name}: a superseded document must name its superseded_by")
    if meta.get("superseded_by") and not status.startswith("superseded by "):
        problems.append(f"{name}: superseded_by is set but status does not say superseded")
    lenses = meta.get("lenses") or []
    if not isinstance(lenses, list):
        problems.append(f"{name}: lenses must be a list")
    else:
        problems += [f"{name}: unknown lens {x!r}" for x in lenses if x not in LENS_IDS]
    year = meta.get("year")
    if year is not None and not (isinstance(year, int) and 1900 <= year <= 2030):
        problems.append(f"{name}: year must be a four-digit number")
    return problems


def check_sections(doc_kind: str, doc_jurisdiction: str, sections: list, name: str) -> list[str]:
    """Every section's kind and jurisdiction, and no Curio advice inside a finding."""
    problems = []
    for section in sections:
        kind = section.kind or doc_kind
        jurisdiction = section.jurisdiction or doc_jurisdiction
        where = f"{name}: {section.path!r}"
        if kind not in KINDS:
            problems.append(f"{where}: missing or unknown kind {kind!r}")
        if jurisdiction not in JURISDICTIONS:
            problems.append(f"{where}: missing or unknown jurisdiction {jurisdiction!r}")
        if kind in FINDING_KINDS:
            problems += [
                f"{where}: practice-prompt line in a {kind} section: {line.strip()[:60]!r}"
                for line in section.text.splitlines()
                if PROMPT_LINE.match(line)
            ]
    return problems


def test_the_checker_catches_bad_front_matter() -> None:
    bad = {
        "title": "x",
        "type": "blog",
        "kind": "blog-post",
        "jurisdiction": "France",
        "status": "old",
        "lenses": ["no-such-lens"],
        "year": "last year",
    }
    problems = check_front_matter(bad, "bad.md")
    for expected in (
        "missing publisher",
        "unknown type",
        "unknown kind",
        "unknown jurisdiction",
        "status must be",
        "unknown lens",
        "year must be",
    ):
        assert any(expected in p for p in problems), expected
    assert any("missing kind" in p for p in check_front_matter({"title": "x"}, "bare.md"))
    assert any("missing jurisdiction" in p for p in check_front_matter({"title": "x"}, "bare.md"))
    stale = {"status": "superseded by the 2024 edition"}
    assert any("superseded_by" in p for p in check_front_matter(stale, "old.md"))


def test_the_checker_catches_advice_inside_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "letter.md"
    path.write_text(
        "---\ntitle: Letter\nkind: inspection-finding\njurisdiction: england\n---\n"
        "# Letter\n\n## Referrals were thin\nWhat was found: referrals were thin.\n\n"
        "Area for improvement: partners need to send more.\n\n"
        "## Curio practice prompt: thin referrals\n<!-- kind: practice-prompt -->\n"
        "What this means for practice: ask the referrer what changed.\n\n"
        "## Where it applies\n<!-- jurisdiction: scotland -->\nOnly in one place.\n",
        encoding="utf-8",
    )
    doc = load_document(path, key=path.name)
    problems = check_sections(doc.meta["kind"], doc.meta["jurisdiction"], doc.sections, "x")
    assert any("Referrals were thin" in p and "Area for improvement" in p for p in problems)
    assert not any("Curio practice prompt" in p for p in problems)  # advice in its own section
    assert any("Where it applies" in p and "jurisdiction" in p for p in problems)
    assert len(problems) == 2


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_file_front_matter_and_sections(path: Path) -> None:
    doc = load_document(path, key=path.name)
    # the raw front matter, since ingest fills in a default kind for documents that give none
    raw, _ = parse_front_matter(path.read_text(encoding="utf-8"), path.name)
    assert not check_front_matter(raw, path.name)
    problems = check_sections(doc.meta["kind"], doc.meta["jurisdiction"], doc.sections, path.name)
    assert not problems, "\n".join(problems)
    headings = [s.path for s in doc.sections]
    assert len(headings) == len(set(headings)), f"duplicate headings in {path.name}"
    for section in doc.sections:
        assert not re.fullmatch(r"(part|section|chapter) \w+", section.path.lower()), (
            f"{path.name}: heading {section.path!r} says nothing a search result can cite"
        )
        assert words(section.text) <= MAX_WORDS, (
            f"{path.name}: section {section.path!r} has {words(section.text)} words"
        )
        for lens in section.lenses or []:
            assert lens in LENS_IDS, f"{path.name}: {section.path}: unknown lens {lens!r}"


def test_corpus_size_and_no_duplicate_sections() -> None:
    sections = []
    for path in FILES:
        doc = load_document(path, key=path.name)
        sections += [(path.name, s) for s in doc.sections]
    assert len(FILES) >= 20
    assert len(sections) >= 150
    seen: dict[str, str] = {}
    for name, section in sections:
        key = " ".join(section.text.lower().split())
        assert key not in seen, f"{name}: {section.path!r} repeats a section of {seen.get(key)}"
        seen[key] = name


def test_every_lens_is_supported_by_three_sections_from_two_sources() -> None:
    support: dict[str, list[str]] = defaultdict(list)
    for path in FILES:
        doc = load_document(path, key=path.name)
        for section in doc.sections:
            lenses = section.lenses if section.lenses is not None else doc.meta.get("lenses", [])
            for lens in lenses:
                support[lens].append(path.name)
    for lens in LENS_IDS:
        assert len(support[lens]) >= 3, f"{lens}: only {len(support[lens])} sections"
        assert len(set(support[lens])) >= 2, f"{lens}: only one source"
