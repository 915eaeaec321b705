"""Shared fixtures. The real model and a real Chroma store in temporary folders.

The model and the corpus index are built once per test session (they are read-only for tests);
tests that write make their own index with ``make_settings``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.embed import Embedder, get_embedder
from assistant.index import Index, open_index
from assistant.retrieve import Retriever
from assistant.settings import REPO_ROOT, Settings, offline_switches

offline_switches()
# Every home a test makes (and every `curio` a test starts) shares the trained review model that
# `make install` built, instead of training its own: the model depends on the data, not the home.
os.environ.setdefault("CURIO_CACHE", str(Path.home() / ".curio" / "cache"))


@pytest.fixture(scope="session")
def make_settings(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Settings]:
    """Settings whose home (index, audit log) is a fresh temporary folder."""

    def make(**overrides: object) -> Settings:
        home = tmp_path_factory.mktemp("curio-home")
        values: dict[str, object] = {
            "home": home,
            "corpus": REPO_ROOT / "corpus",
            "chroma_url": None,
            "llm": "none",
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def rules() -> Any:
    """The ask rules from the repository's prompts (read-only for tests)."""
    from assistant.answer import load_ask_rules

    return load_ask_rules(REPO_ROOT / "prompts")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder(Settings(embed_model=None))


@pytest.fixture(scope="session")
def corpus_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
def corpus_index(corpus_settings: Settings, embedder: Embedder) -> Index:
    """The whole starter corpus, indexed once for the session. Do not write to it."""
    return open_index(corpus_settings, embedder=embedder)


@pytest.fixture(scope="session")
def retriever(corpus_index: Index) -> Retriever:
    return Retriever(corpus_index, mode="hybrid")


@pytest.fixture
def tmp_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(
    make_settings: Callable[..., Settings],
    embedder: Embedder,
    corpus_index: Index,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Any]:
    """The real app on a free loopback port, one per test module (see tests/test_app.py)."""
    from serving import start_server

    folder = tmp_path_factory.mktemp(f"app-{request.module.__name__.rsplit('.', 1)[-1]}")
    yield from start_server(make_settings, embedder, corpus_index, folder)
