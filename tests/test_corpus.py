"""The starter corpus keeps its contract: valid front matter, citable sections, lens coverage."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from assistant.ingest import load_document
from assistant.lenses import LENS_IDS
from assistant.settings import REPO_ROOT

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
JURISDICTIONS = {"England", "Wales", "Scotland", "Northern Ireland", "UK"}
REQUIRED = (
    "title",
    "publisher",
    "year",
    "reference",
    "type",
    "jurisdiction",
    "status",
    "lenses",
    "summary",
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
    if meta.get("jurisdiction") and meta["jurisdiction"] not in JURISDICTIONS:
        problems.append(f"{name}: unknown jurisdiction {meta['jurisdiction']!r}")
    status = str(meta.get("status", ""))
    if status and not (status == "current" or status.startswith("superseded by ")):
        problems.append(f"{name}: status must be 'current' or 'superseded by ...'")
    lenses = meta.get("lenses") or []
    if not isinstance(lenses, list):
        problems.append(f"{name}: lenses must be a list")
    else:
        problems += [f"{name}: unknown lens {x!r}" for x in lenses if x not in LENS_IDS]
    year = meta.get("year")
    if year is not None and not (isinstance(year, int) and 1900 <= year <= 2030):
        problems.append(f"{name}: year must be a four-digit number")
    return problems


def test_the_checker_catches_bad_front_matter() -> None:
    bad = {
        "title": "x",
        "type": "blog",
        "jurisdiction": "France",
        "status": "old",
        "lenses": ["no-such-lens"],
        "year": "last year",
    }
    problems = check_front_matter(bad, "bad.md")
    for expected in (
        "missing publisher",
        "unknown type",
        "unknown jurisdiction",
        "status must be",
        "unknown lens",
        "year must be",
    ):
        assert any(expected in p for p in problems), expected


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_file_front_matter_and_sections(path: Path) -> None:
    doc = load_document(path, key=path.name)
    assert not check_front_matter(doc.meta, path.name)
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
