"""The index, end to end: the real model and a real Chroma store in temporary folders.

Ingesting is idempotent (chunk ids are content hashes), a changed file replaces its own chunks,
``--rebuild`` and ``curio remove`` work, vectors from another model are refused, and
``curio search --json`` keeps the contract's shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.embed import Embedder
from assistant.errors import CurioError
from assistant.index import POINTER_ID, PREFIX, Index
from assistant.retrieve import Retriever
from assistant.settings import Settings

pytestmark = pytest.mark.integration

DOCS = {
    "contact-handover.md": """---
title: Invented guidance on contact handovers
publisher: Harbourside Borough Council (invented)
year: 2023
---
## Handover arrangements

Handovers at a supervised contact centre keep the adults apart, so the abusive parent has
no chance to follow the other parent home or to pass messages through the children.

## When contact should pause

Contact pauses while a police investigation into a breach of a non-molestation order is open.
""",
    "pets-and-coercion.md": """---
title: Invented note on threats to family pets
publisher: Invented Welfare Trust
year: 2022
---
## Threats to animals

Threats to harm or give away a family dog or cat are a recognised tactic of coercive control;
children are often told the pet will suffer if they speak to a social worker.
""",
    "school-attendance.txt": (
        "Falling school attendance can follow a move to a refuge. Schools should be told the\n"
        "new address only through the designated safeguarding lead, never by letter home.\n"
    ),
}


def write_docs(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def generations(index: Index) -> list[str]:
    names = [c if isinstance(c, str) else c.name for c in index._client.list_collections()]
    return sorted(n for n in names if n.startswith(PREFIX))


@pytest.fixture
def fresh(
    make_settings: Callable[..., Settings], embedder: Embedder, tmp_path: Path
) -> tuple[Index, Path, Settings]:
    settings = make_settings()
    return Index(settings, embedder), write_docs(tmp_path / "docs"), settings


def test_ingest_twice_adds_nothing(fresh: tuple[Index, Path, Settings]) -> None:
    index, docs, _ = fresh
    first = index.ingest([docs])
    assert first.files_read == 3 and first.added == first.total >= 4
    assert index.collection.count() == first.total
    pointer = index.info()["collection"]

    second = index.ingest([docs])
    assert second.added == 0 and second.replaced == 0
    assert second.unchanged == second.total == first.total
    assert index.info()["collection"] == pointer, "nothing changed, so no new generation"
    assert index.collection.count() == first.total
    ids = [c.id for c in index.chunks()]
    assert len(ids) == len(set(ids)) == first.total


def test_changed_file_replaces_its_old_chunks(fresh: tuple[Index, Path, Settings]) -> None:
    index, docs, _ = fresh
    first = index.ingest([docs])
    old_pets = [c for c in index.chunks() if c.source == "pets-and-coercion.md"]
    assert len(old_pets) == 1
    (docs / "pets-and-coercion.md").write_text(
        DOCS["pets-and-coercion.md"].replace("dog or cat", "dog, cat or horse"), encoding="utf-8"
    )
    second = index.ingest([docs])
    assert (second.added, second.replaced) == (1, 1)
    assert second.unchanged == first.total - 1
    assert second.total == first.total == index.collection.count()
    texts = [c.text for c in index.chunks() if c.source == "pets-and-coercion.md"]
    assert len(texts) == 1 and "dog, cat or horse" in texts[0]
    assert index.get_chunk(old_pets[0].id) is None
    # the previous generation is kept (a reader may still hold it); older ones are dropped
    assert len(generations(index)) == 2
    (docs / "school-attendance.txt").write_text("Changed again: a new note.\n", encoding="utf-8")
    index.ingest([docs])
    assert len(generations(index)) == 2


def test_rebuild_and_remove(fresh: tuple[Index, Path, Settings], capsys) -> None:
    index, docs, settings = fresh
    first = index.ingest([docs])
    rebuilt = index.ingest([docs], rebuild=True)
    assert rebuilt.added == rebuilt.total == first.total, "a rebuild re-embeds everything"
    assert index.collection.count() == first.total

    index_dir = str(settings.index_dir)
    assert main(["remove", "pets-and-coercion.md", "--index", index_dir, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["chunks_total"] == first.total - 1 and report["chunks_replaced"] == 1
    assert "pets-and-coercion.md" not in {r["source"] for r in index.sources()}
    assert index.collection.count() == first.total - 1

    assert main(["remove", "never-ingested.md", "--index", index_dir]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "curio: not in the index: never-ingested.md (see `curio sources`)"


def test_vectors_from_another_model_are_refused(
    fresh: tuple[Index, Path, Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    index, docs, settings = fresh
    index.ingest([docs])
    info = index.info()
    # another model built this index: store its fingerprint as the pointer says
    index._pointer.upsert(
        ids=[POINTER_ID],
        documents=[info["collection"]],
        metadatas=[{**info, "model": "paraphrase-invented:0123456789abcdef"}],
        embeddings=[[0.0]],
    )
    with pytest.raises(CurioError, match="paraphrase-invented.*--rebuild"):
        index.ingest([docs])
    index_dir = str(settings.index_dir)
    assert main(["search", "contact handover", "--index", index_dir]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "built with the embedding model paraphrase-invented" in err and "--rebuild" in err
    # the way out the message names works
    assert main(["ingest", str(docs), "--index", index_dir, "--rebuild"]) == 0
    capsys.readouterr()
    assert index.info()["model"] == index.embedder.fingerprint
    assert main(["search", "contact handover", "--index", index_dir, "--json"]) == 0


def test_search_after_ingest_and_json_shape(
    fresh: tuple[Index, Path, Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    index, docs, settings = fresh
    index.ingest([docs])
    retriever = Retriever(index)
    for mode in ("hybrid", "dense", "bm25"):
        hits = retriever.search("the children were told the dog would be hurt", k=2, mode=mode)
        assert hits[0].chunk.source == "pets-and-coercion.md", mode

    query = "where should the children be handed over for contact"
    assert main(["search", query, "--index", str(settings.index_dir), "--json", "--k", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"hits"} and len(data["hits"]) == 3
    for hit in data["hits"]:
        assert {"source", "title", "section", "text", "score"} <= set(hit)
        assert all(isinstance(hit[k], str) for k in ("source", "title", "section", "text"))
        assert isinstance(hit["score"], float)
    top = data["hits"][0]
    assert top["source"] == "contact-handover.md"
    assert top["title"] == "Invented guidance on contact handovers"
    assert top["section"] == "Handover arrangements"
    assert "supervised contact centre" in top["text"]
    scores = [h["score"] for h in data["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_search_on_a_missing_index_builds_it_from_the_corpus(
    make_settings: Callable[..., Settings], embedder: Embedder, tmp_path: Path
) -> None:
    """``--index DIR`` that does not exist yet is built from the configured corpus."""
    from assistant.index import open_index

    corpus = write_docs(tmp_path / "corpus")
    settings = make_settings(corpus=corpus)
    index = open_index(settings, embedder=embedder)
    assert index.exists() and {r["source"] for r in index.sources()} == set(DOCS)
