"""The guidance index: one Chroma collection of chunks plus a BM25 index over the same chunks.

Crash safety comes from generations. An ingest writes a complete new collection (copying the
vectors of unchanged chunks, embedding only new ones) and only then moves a one-row pointer
(itself a Chroma record, so it is transactional and shared in server mode) to it. A process
killed part-way leaves the pointer on the previous collection, which stays whole and
queryable; the half-written collection is cleared away by the next ingest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.embed import Embedder
from assistant.errors import CurioError
from assistant.ingest import (
    LoadedDoc,
    Skipped,
    chunk_document,
    embedding_text,
    iter_files,
    load_document,
)
from assistant.settings import Settings, get_settings, offline_switches
from assistant.types import Chunk

POINTER_COLLECTION = "curio_pointer"
POINTER_ID = "current"
# Up to this many chunks the dense ranking is exact (one matrix product over vectors held in
# memory, 15 MB at the limit); Chroma's graph search is approximate and, with many near-identical
# chunks (a long PDF of similar pages), was seen to rank the one passage that answers out of its
# top 40. Above the limit Chroma's graph search keeps search fast.
EXACT_LIMIT = 10_000
PREFIX = "curio_gen_"


@dataclass
class IngestReport:
    files_read: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    added: int = 0
    replaced: int = 0  # old chunks removed because their document changed
    unchanged: int = 0
    total: int = 0
    docs: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "files_read": self.files_read,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "chunks_added": self.added,
            "chunks_replaced": self.replaced,
            "chunks_unchanged": self.unchanged,
            "chunks_total": self.total,
        }

    def summary(self) -> str:
        return (
            f"{self.files_read} file(s) read, {len(self.skipped)} skipped; chunks: "
            f"{self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
            f"{self.total} in the index"
        )


def _client(settings: Settings, directory: Path) -> Any:
    offline_switches()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise CurioError(f"CURIO_CHROMA_URL is not a URL: {settings.chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise CurioError(
                f"Could not reach the Chroma server at {settings.chroma_url}: is `chroma run` "
                "running there?"
            ) from exc
        return client
    directory.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(directory / "chroma"), settings=chroma_settings)


class Index:
    """Chunks, their vectors and a BM25 index, for one embedding model."""

    def __init__(self, settings: Settings, embedder: Embedder, directory: Path | None = None):
        self.settings = settings
        self.embedder = embedder
        self.directory = Path(directory or settings.index_dir).expanduser()
        self._client = _client(settings, self.directory)
        self._pointer = self._client.get_or_create_collection(
            POINTER_COLLECTION, embedding_function=None
        )
        self._lock = threading.RLock()
        self._loaded_name: str | None = None
        self._collection: Any = None
        self._chunks: list[Chunk] = []
        self._by_id: dict[str, int] = {}
        self._unit: np.ndarray | None = None  # unit vectors in chunk order, when exact
        self._bm25: Any = None
        self.corpus_synced = False  # set once the starter corpus has been checked this process
        self.exact_limit = EXACT_LIMIT

    # ------------------------------------------------------------------ pointer and loading

    def _current(self) -> dict[str, Any] | None:
        got = self._pointer.get(ids=[POINTER_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        return dict(metas[0]) if metas and metas[0] else None

    def exists(self) -> bool:
        return self._current() is not None

    def info(self) -> dict[str, Any]:
        return self._current() or {}

    @property
    def fingerprint(self) -> str:
        """Identifies this index's contents (for the audit log)."""
        return str(self.info().get("collection", "empty"))

    def _check_model(self, current: dict[str, Any]) -> None:
        stored = current.get("model")
        if stored and stored != self.embedder.fingerprint:
            raise CurioError(
                f"The index at {self.settings.chroma_url or self.directory} was built with the "
                f"embedding model {stored}, but Curio is now set to {self.embedder.fingerprint}; "
                "rebuild it with `curio ingest --rebuild`."
            )

    def refresh(self) -> None:
        """Load the current generation if the pointer moved (another process ingested)."""
        current = self._current()
        if current is None:
            raise CurioError("The index is empty: run `curio ingest` first.")
        self._check_model(current)
        name = str(current["collection"])
        with self._lock:
            if name == self._loaded_name:
                return
            collection = self._client.get_collection(name, embedding_function=None)
            exact = collection.count() <= self.exact_limit
            pairs = _read_all(collection, vectors=exact)
            pairs.sort(
                key=lambda p: (p[0].metadata.get("key", ""), p[0].metadata.get("ordinal", 0))
            )
            chunks = [c for c, _ in pairs]
            self._unit = _unit_rows([v for _, v in pairs]) if exact and pairs else None
            self._collection = collection
            self._chunks = chunks
            self._by_id = {c.id: i for i, c in enumerate(chunks)}
            self._bm25 = None
            self._loaded_name = name

    @property
    def collection(self) -> Any:
        self.refresh()
        return self._collection

    def chunks(self) -> list[Chunk]:
        self.refresh()
        return self._chunks

    def get_chunk(self, chunk_id: str, refresh: bool = True) -> Chunk | None:
        """The chunk with this id. ``refresh=False`` skips re-reading the pointer (a Chroma
        read each time), for callers that looked up many ids from a collection they just got."""
        if refresh:
            self.refresh()
        i = self._by_id.get(chunk_id)
        return self._chunks[i] if i is not None else None

    def nearest(self, qvec: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        """The n chunks closest in meaning to a query vector, closest first, with their
        cosine similarity: exact up to ``exact_limit`` chunks, Chroma's graph search above."""
        self.refresh()
        with self._lock:
            unit, chunks, collection = self._unit, self._chunks, self._collection
        if not chunks:
            return []
        n = min(n, len(chunks))
        if unit is not None:
            sims = unit @ (qvec / (float(np.linalg.norm(qvec)) or 1.0))
            # ties keep chunk order, so the same index always answers the same way
            order = np.argsort(-sims, kind="stable")[:n]
            return [(chunks[i], float(sims[i])) for i in order]
        got = collection.query(query_embeddings=[qvec.tolist()], n_results=n, include=["distances"])
        out = []
        for cid, dist in zip(got["ids"][0], got["distances"][0], strict=True):
            # one pointer read per search, not one per candidate (40 Chroma reads at 1 ms each)
            chunk = self.get_chunk(cid, refresh=False)
            if chunk is not None:
                out.append((chunk, 1.0 - float(dist)))
        return out

    def section_text(self, chunk: Chunk) -> str:
        """The whole section a chunk came from, for reading in context."""
        key = chunk.metadata.get("key")
        parts = [
            c for c in self.chunks() if c.metadata.get("key") == key and c.section == chunk.section
        ]
        parts.sort(key=lambda c: c.metadata.get("ordinal", 0))
        return join_overlapping([c.text for c in parts]) if parts else chunk.text

    def sources(self) -> list[dict[str, Any]]:
        """One row per document in the index."""
        rows: dict[str, dict[str, Any]] = {}
        for c in self.chunks():
            row = rows.setdefault(
                str(c.metadata.get("key")),
                {
                    "source": c.source,
                    "key": c.metadata.get("key"),
                    "title": c.title,
                    "publisher": c.metadata.get("publisher", ""),
                    "year": c.metadata.get("year", ""),
                    "type": c.metadata.get("type", ""),
                    "chunks": 0,
                },
            )
            row["chunks"] += 1
        return sorted(rows.values(), key=lambda r: str(r["key"]))

    # ------------------------------------------------------------------ BM25

    def bm25(self) -> tuple[Any, list[Chunk]]:
        """The BM25 index over the current chunks, built once per generation and cached."""
        self.refresh()
        with self._lock:
            if self._bm25 is None:
                self._bm25 = _load_or_build_bm25(
                    self.directory / "bm25" / str(self._loaded_name), self._chunks
                )
            return self._bm25, self._chunks

    # ------------------------------------------------------------------ writing

    def ingest(
        self,
        paths: Sequence[Path],
        rebuild: bool = False,
        progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
        remove_keys: Sequence[str] = (),
    ) -> IngestReport:
        """Add or update documents (or remove them); write a new generation only on change."""
        report = IngestReport()
        docs: list[LoadedDoc] = []
        for item in iter_files(paths):
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            file, key = item
            try:
                docs.append(load_document(file, key))
                report.files_read += 1
            except CurioError as exc:
                report.skipped.append(Skipped(str(file), _reason(exc, file)))
        if paths and not docs and not remove_keys:
            return report
        with self._lock:
            current = self._current()
            old: dict[str, Chunk] = {}
            if current is not None and not rebuild:
                self._check_model(current)
                self.refresh()
                old = {c.id: c for c in self._chunks}
            new_chunks: list[Chunk] = []
            replaced_keys = {d.key for d in docs} | set(remove_keys)
            keep = [c for c in old.values() if c.metadata.get("key") not in replaced_keys]
            for doc in docs:
                new_chunks.extend(chunk_document(doc))
            # a chunk id is a content hash: the same text in the same place is unchanged
            final: dict[str, Chunk] = {c.id: c for c in keep}
            for c in new_chunks:
                final.setdefault(c.id, c)
            unchanged = [c for c in new_chunks if c.id in old]
            to_embed = [c for c in final.values() if c.id not in old]
            removed = [
                c
                for c in old.values()
                if c.metadata.get("key") in replaced_keys and c.id not in final
            ]
            report.unchanged = len(unchanged)
            report.added = len(to_embed)
            report.replaced = len(removed)
            report.docs = sorted(replaced_keys)
            if current is not None and not rebuild and not to_embed and not removed:
                report.total = len(old)
                return report
            self._write_generation(list(final.values()), to_embed, progress)
            report.total = len(final)
            return report

    def _write_generation(
        self,
        chunks: list[Chunk],
        to_embed: list[Chunk],
        progress: Callable[[Iterable[Any], int], Iterable[Any]] | None,
    ) -> None:
        name, collection = self._new_generation()
        batch = 64
        fresh = {c.id for c in to_embed}
        reused = [c for c in chunks if c.id not in fresh]
        # vectors of unchanged chunks are copied, not recomputed
        for start in range(0, len(reused), 512):
            part = reused[start : start + 512]
            got = self._collection.get(ids=[c.id for c in part], include=["embeddings"])
            stored = dict(zip(got["ids"], got["embeddings"], strict=True))
            _add(collection, part, [stored[c.id] for c in part])
        # batches of similar length waste less on padding (12% of the model's CPU time here)
        to_embed = sorted(to_embed, key=lambda c: len(embedding_text(c)))
        batches = range(0, len(to_embed), batch)
        iterator: Iterable[int] = progress(batches, len(batches)) if progress else batches
        for start in iterator:
            part = to_embed[start : start + batch]
            vectors = self.embedder.encode([embedding_text(c) for c in part])
            _add(collection, part, vectors)
        self._publish(name, len(chunks))

    def write_vectors(self, chunks: list[Chunk], vectors: Any, batch: int = 4096) -> None:
        """Write a whole generation from vectors computed elsewhere (benchmarks, bulk imports).

        The vectors must come from this index's model; they are stored as given.
        """
        if len(chunks) != len(vectors):
            raise CurioError(f"{len(chunks)} chunks but {len(vectors)} vectors.")
        with self._lock:
            name, collection = self._new_generation()
            for start in range(0, len(chunks), batch):
                _add(collection, chunks[start : start + batch], vectors[start : start + batch])
            self._publish(name, len(chunks))

    def _new_generation(self) -> tuple[str, Any]:
        name = f"{PREFIX}{int(time.time() * 1000)}_{uuid.uuid4().hex[:6]}"
        collection = self._client.create_collection(
            name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        return name, collection

    def _publish(self, name: str, total: int) -> None:
        """Move the pointer to a complete generation, then drop the old ones."""
        # the switch: one transactional write
        self._pointer.upsert(
            ids=[POINTER_ID],
            documents=[name],
            metadatas=[
                {
                    "collection": name,
                    "model": self.embedder.fingerprint,
                    "chunks": total,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                }
            ],
            embeddings=[[0.0]],
        )
        previous = self._loaded_name
        self.refresh()
        self._collect_garbage(keep={name, previous or ""})

    def _collect_garbage(self, keep: set[str]) -> None:
        """Drop old generations and any left half-written by a killed ingest."""
        names = [(c if isinstance(c, str) else c.name) for c in self._client.list_collections()]
        for name in names:
            if not name.startswith(PREFIX) or name in keep:
                continue
            try:
                self._client.delete_collection(name)
            except Exception:  # already gone, or in use by another reader: try next time
                continue
            shutil.rmtree(self.directory / "bm25" / name, ignore_errors=True)


# ---------------------------------------------------------------------- helpers


def _reason(exc: CurioError, file: Path) -> str:
    """The part of the message after the file name, so the report line does not repeat it."""
    message = exc.message
    for prefix in (str(file), file.name):
        if message.startswith(prefix):
            return message[len(prefix) :].strip() or message
    return message


def _add(collection: Any, chunks: list[Chunk], vectors: Any) -> None:
    if not chunks:
        return
    collection.add(
        ids=[c.id for c in chunks],
        embeddings=np.asarray(vectors, dtype=np.float32),
        documents=[c.text for c in chunks],
        metadatas=[dict(c.metadata) for c in chunks],
    )


def _unit_rows(vectors: list[Any]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _read_all(collection: Any, page: int = 5000, vectors: bool = False) -> list[tuple[Chunk, Any]]:
    """Every chunk in a collection, each with its vector when ``vectors`` (else None)."""
    chunks: list[tuple[Chunk, Any]] = []
    offset = 0
    include = ["documents", "metadatas", "embeddings"] if vectors else ["documents", "metadatas"]
    while True:
        got = collection.get(include=include, limit=page, offset=offset)
        ids = got["ids"]
        vecs = got["embeddings"] if vectors else [None] * len(ids)
        for cid, text, meta, vec in zip(ids, got["documents"], got["metadatas"], vecs, strict=True):
            meta = dict(meta or {})
            chunks.append(
                (
                    Chunk(
                        id=cid,
                        text=text or "",
                        source=str(meta.get("source", "")),
                        title=str(meta.get("title", "")),
                        section=str(meta.get("section", "")),
                        metadata=meta,
                    ),
                    vec,
                )
            )
        if len(ids) < page:
            return chunks
        offset += page


def join_overlapping(parts: list[str]) -> str:
    """Join consecutive chunks of one section, dropping the overlap the splitter added."""
    text = parts[0]
    for part in parts[1:]:
        overlap = 0
        for size in range(min(len(part), 400), 20, -1):
            if text.endswith(part[:size]):
                overlap = size
                break
        text = text + ("" if overlap else "\n\n") + part[overlap:]
    return text


def bm25_tokenize(texts: list[str]) -> Any:
    import bm25s
    import Stemmer

    return bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False
    )


def _load_or_build_bm25(folder: Path, chunks: list[Chunk]) -> Any:
    import bm25s

    ids_file = folder / "ids.json"
    if ids_file.exists():
        try:
            if json.loads(ids_file.read_text()) == [c.id for c in chunks]:
                return bm25s.BM25.load(str(folder))
        except Exception:  # a damaged cache is rebuilt
            pass
    retriever = bm25s.BM25()
    retriever.index(bm25_tokenize([embedding_text(c) for c in chunks]), show_progress=False)
    try:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        retriever.save(str(tmp))
        (tmp / "ids.json").write_text(json.dumps([c.id for c in chunks]))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    except OSError:
        pass  # the cache is an optimisation; a read-only folder still serves
    return retriever


_indexes: dict[tuple[str, str], Index] = {}
_indexes_lock = threading.Lock()


def open_index(
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    build: bool = True,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
) -> Index:
    """The index for these settings (cached per process); built from the corpus if missing."""
    from assistant.embed import get_embedder

    settings = settings or get_settings()
    embedder = embedder or get_embedder(settings)
    key = (str(settings.index_dir.expanduser().resolve()), settings.chroma_url or "")
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None or index.embedder is not embedder:
            index = Index(settings, embedder)
            _indexes[key] = index
    if build and not index.exists():
        if not settings.corpus.is_dir():
            raise CurioError(
                f"The corpus folder {settings.corpus} does not exist or is not a folder "
                "(CURIO_CORPUS)."
            )
        report = index.ingest([settings.corpus], progress=progress)
        if report.total == 0:
            raise CurioError(f"No guidance could be read from {settings.corpus}.")
        index.corpus_synced = True
    elif build and not index.corpus_synced:
        sync_corpus(index, settings.corpus, progress)
    return index


def sync_corpus(
    index: Index,
    corpus: Path,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
) -> IngestReport | None:
    """Bring the starter corpus up to date in an index that holds it (after a `git pull`).

    Only an index that already holds corpus documents is touched, so an index a team built
    from its own documents alone stays as they made it. Unchanged files cost a hash each.
    """
    index.corpus_synced = True
    if not corpus.is_dir():
        return None
    indexed = {c.metadata.get("key"): c.metadata.get("doc_hash") for c in index.chunks()}
    files = [item for item in iter_files([corpus]) if not isinstance(item, Skipped)]
    if not any(key in indexed for _, key in files):
        return None
    stale = [
        key
        for file, key in files
        if indexed.get(key) != hashlib.sha256(file.read_bytes()).hexdigest()
    ]
    return index.ingest([corpus], progress=progress) if stale else None
