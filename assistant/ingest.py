"""Read guidance documents and drafts, and cut guidance into citable chunks.

Every format is turned into Markdown-like text with its own headings kept, so chunks follow the
document's structure (then size) and each chunk can be cited by title and section. Files that
cannot be read are reported with a one-line reason and skipped; they never stop an ingest.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import CurioError
from assistant.limits import MB
from assistant.types import (
    JURISDICTIONS,
    KINDS,
    OTHER_JURISDICTIONS,
    Chunk,
    normalise_jurisdiction,
    vocab_key,
)

SUPPORTED = {".md", ".markdown", ".txt", ".text", ".pdf", ".docx", ".html", ".htm"}
FRONT_MATTER_KEYS = (
    "publisher",
    "year",
    "reference",
    "type",
    "kind",
    "jurisdiction",
    "status",
    "summary",
)
MAX_FILE_BYTES = 100 * MB
MAX_DOCX_EXPANDED_BYTES = 200 * 1024 * 1024
CHUNK_CHARS = 1000
CHUNK_OVERLAP = 150

# pypdf logs what it finds wrong in a damaged file ("EOF marker not found"). With no handler
# configured, Python prints such records straight to stderr, which would break the one-line
# reason the CLI promises; a NullHandler keeps them for whoever configures logging.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

# Control characters have no place in guidance text; printed by `curio search` they could drive
# the user's terminal (ANSI escape sequences, 8-bit CSI). Tabs and line breaks are kept.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Remove control characters (form feeds become line breaks)."""
    return _CONTROL_CHARS.sub("", text.replace("\x0c", "\n"))


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)
# A section tag: a comment on the line after a heading, e.g. `<!-- lenses: consent -->`,
# `<!-- kind: practice-prompt -->` or `<!-- jurisdiction: england-and-wales -->`.
_TAG_COMMENT = re.compile(r"<!--\s*(lenses|kind|jurisdiction):\s*([^>]*?)\s*-->", re.I)

# A user's own document with no `kind`: most documents councils add are their own procedures,
# so that is what its citations say (docs/adding-guidance.md). Files written for the older
# contract gave a `type`; it still says whose words they are.
DEFAULT_KIND = "local-procedure"
LEGACY_TYPE_KINDS = {
    "legislation": "law",
    "statutory-guidance": "statutory-guidance",
    "national-review": "national-review",
    "inspection-finding": "inspection-finding",
    "practice-model": "practice-guidance",
    "risk-tool": "practice-guidance",
    "research": "practice-guidance",
    "local-procedure-example": "local-procedure",
}


@dataclass
class Section:
    path: str  # "Heading" or "Heading > Subheading"
    text: str
    page: int | None = None
    lenses: list[str] | None = None  # None: inherit the document's
    kind: str | None = None  # None: inherit the document's
    jurisdiction: str | None = None  # None: inherit the document's


@dataclass
class LoadedDoc:
    """A document as read from disk, before chunking."""

    key: str  # stable identity in the index (path relative to what was ingested)
    source: str  # file name shown in citations
    title: str
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""


@dataclass
class Skipped:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


# --------------------------------------------------------------------------- reading text


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (or UTF-16 with a byte-order mark); refuse binary and other encodings."""
    if not data.strip():
        raise CurioError(f"{name} is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CurioError(f"{name} could not be read as UTF-16 text") from exc
    else:
        if b"\x00" in data[:8192]:
            raise CurioError(f"{name} looks like a binary file, not text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CurioError(f"{name} is not UTF-8 text (save it as UTF-8 and try again)") from exc
    if _looks_binary(text):
        raise CurioError(f"{name} looks like a binary file, not text")
    if not text.strip():
        raise CurioError(f"{name} is empty")
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls > max(8, len(sample) // 100)


def check_docx_safe(path: Path) -> None:
    """Refuse a .docx that is not a zip, or that would expand to a huge size (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
            if total > MAX_DOCX_EXPANDED_BYTES:
                raise CurioError(
                    f"{path.name} expands to {total // (1024 * 1024)} MB when opened, "
                    "which is too large to be a real document, so it was not read"
                )
            if "word/document.xml" not in zf.namelist():
                raise CurioError(f"{path.name} could not be read as a Word document")
    except zipfile.BadZipFile as exc:
        raise CurioError(
            f"{path.name} could not be read as a Word document (it may be damaged)"
        ) from exc


def _docx_markdown(path: Path) -> tuple[str, str]:
    check_docx_safe(path)
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise CurioError(
            f"{path.name} could not be read as a Word document (it may be damaged)"
        ) from exc
    lines: list[str] = []
    title = (document.core_properties.title or "").strip()
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        match = re.match(r"Heading (\d)", style)
        if style == "Title":
            title = title or text
            lines.append(f"# {text}")
        elif match:
            level = min(int(match.group(1)) + 1, 4)  # Heading 1 -> "##": a citable section
            lines.append(f"{'#' * level} {text}")
        else:
            lines.append(text)
        lines.append("")
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                lines.append(" | ".join(cells))
        lines.append("")
    return "\n".join(lines), title


def _pdf_pages(path: Path) -> tuple[list[str], str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise CurioError(f"{path.name} is a password-protected PDF, so it could not be read")
        pages = [(page.extract_text() or "") for page in reader.pages]
        title = ""
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except CurioError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise CurioError(f"{path.name} could not be read as a PDF (it may be damaged)") from exc
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise CurioError(f"{path.name} could not be read as a PDF (it may be damaged)") from exc
    if not any(p.strip() for p in pages):
        raise CurioError(f"{path.name} has no text that can be extracted (is it a scanned image?)")
    return pages, title


def _html_markdown(text: str) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "iframe", "object"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            tag.replace_with(f"\n\n{'#' * level} {tag.get_text(' ', strip=True)}\n\n")
    body = soup.body or soup
    lines = [line.strip() for line in body.get_text("\n").splitlines()]
    markdown = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return markdown, title


def read_text(path: Path, max_bytes: int | None = None) -> str:
    """Plain text of a draft or document of any supported type (for review, not indexing)."""
    doc = load_document(path, key=path.name, max_bytes=max_bytes)
    return "\n\n".join(s.text for s in doc.sections)


# --------------------------------------------------------------------------- structure


def parse_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CurioError(f"{name} has front matter that is not valid YAML") from exc
    if not isinstance(meta, dict):
        raise CurioError(f"{name} has front matter that is not a set of fields")
    return meta, text[match.end() :]


def _markdown_sections(body: str, fallback_title: str) -> tuple[str, list[Section]]:
    """Split Markdown on its headings; the first '#' heading is the title."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    splitter = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")],
        strip_headers=True,
    )
    title = fallback_title
    sections: list[Section] = []
    for part in splitter.split_text(body):
        md = part.metadata
        if md.get("h1") and title == fallback_title:
            title = md["h1"]
        path_parts = [md[h] for h in ("h2", "h3", "h4") if md.get(h)]
        if not path_parts and md.get("h1") and md["h1"] != title:
            path_parts = [md["h1"]]
        text = part.page_content
        tags: dict[str, str] = {}
        for tag in _TAG_COMMENT.finditer(text):
            tags[tag.group(1).lower()] = tag.group(2)
        text = _TAG_COMMENT.sub("", text).strip()
        if text:
            lenses = None
            if "lenses" in tags:
                lenses = [x.strip() for x in tags["lenses"].split(",") if x.strip()]
            sections.append(
                Section(
                    " > ".join(path_parts) or "Introduction",
                    text,
                    None,
                    lenses,
                    kind=tags.get("kind"),
                    jurisdiction=tags.get("jurisdiction"),
                )
            )
    return title, sections


def check_kind(value: object, where: str) -> str:
    """A kind in its stored form, or a one-line reason naming the file and the choices."""
    kind = vocab_key(value)
    if kind not in KINDS:
        raise CurioError(f"{where} has an unknown kind {value!r} (use one of {', '.join(KINDS)})")
    return kind


def check_jurisdiction(value: object, where: str) -> str:
    """A jurisdiction in its stored form (england, england-and-wales, uk, or another nation)."""
    jurisdiction = normalise_jurisdiction(value)
    if jurisdiction not in JURISDICTIONS and jurisdiction not in OTHER_JURISDICTIONS:
        known = ", ".join([*JURISDICTIONS, *OTHER_JURISDICTIONS])
        raise CurioError(f"{where} has an unknown jurisdiction {value!r} (use one of {known})")
    return jurisdiction


def _settle_kinds(meta: dict[str, Any], sections: list[Section], name: str) -> None:
    """Give the document and each section a checked kind and jurisdiction (or none for the
    jurisdiction of a document that does not say)."""
    if meta.get("kind"):
        meta["kind"] = check_kind(meta["kind"], name)
    else:
        meta["kind"] = LEGACY_TYPE_KINDS.get(vocab_key(meta.get("type")), DEFAULT_KIND)
    if meta.get("jurisdiction"):
        meta["jurisdiction"] = check_jurisdiction(meta["jurisdiction"], name)
    for section in sections:
        where = f"{name} (section {section.path!r})"
        if section.kind is not None:
            section.kind = check_kind(section.kind, where)
        if section.jurisdiction is not None:
            section.jurisdiction = check_jurisdiction(section.jurisdiction, where)


def load_document(path: Path, key: str, max_bytes: int | None = None) -> LoadedDoc:
    """Read one file into sections. Raises CurioError with a one-line reason on bad input."""
    name = path.name
    suffix = path.suffix.lower()
    if not path.exists():
        raise CurioError(f"{path} does not exist")
    if not path.is_file():
        raise CurioError(f"{path} is not a file")
    if suffix not in SUPPORTED:
        raise CurioError(
            f"{name} is an unsupported type ({suffix or 'no extension'}); "
            "use .md, .txt, .pdf, .docx or .html"
        )
    size = path.stat().st_size
    limit = max_bytes if max_bytes is not None else MAX_FILE_BYTES
    if size == 0:
        raise CurioError(f"{name} is empty")
    if size > limit:
        raise CurioError(f"{name} is {size / MB:.1f} MB, larger than the {limit / MB:.0f} MB limit")
    raw = path.read_bytes()
    content_hash = hashlib.sha256(raw).hexdigest()
    stem_title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    meta: dict[str, Any] = {}
    if suffix == ".pdf":
        pages, title = _pdf_pages(path)
        sections = [
            Section(f"Page {i}", text.strip(), page=i)
            for i, text in enumerate(pages, start=1)
            if text.strip()
        ]
        title = title or stem_title
    elif suffix == ".docx":
        markdown, doc_title = _docx_markdown(path)
        if not markdown.strip():
            raise CurioError(f"{name} has no text")
        title, sections = _markdown_sections(markdown, doc_title or stem_title)
    else:
        text = decode_text(raw, name)
        if suffix in (".html", ".htm"):
            markdown, html_title = _html_markdown(text)
            title, sections = _markdown_sections(markdown, html_title or stem_title)
        elif suffix in (".md", ".markdown"):
            meta, body = parse_front_matter(text, name)
            title, sections = _markdown_sections(body, str(meta.get("title") or stem_title))
            title = str(meta.get("title") or title)
        else:
            title, sections = stem_title, [Section("Text", text.strip())]
    for section in sections:
        section.text = clean_text(section.text)
    title = clean_text(title)
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise CurioError(f"{name} has no text")
    _settle_kinds(meta, sections, name)
    return LoadedDoc(
        key=key, source=name, title=title, sections=sections, meta=meta, content_hash=content_hash
    )


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str] | Skipped]:
    """Expand folders; yield (file, key) pairs, or Skipped for what cannot be read at all."""
    for root in paths:
        root = Path(root).expanduser()
        if not root.exists():
            yield Skipped(str(root), "does not exist")
        elif root.is_dir():
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                rel = file.relative_to(root)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if file.name.lower() in ("readme.md", "readme.txt", "index.md"):
                    continue  # a folder's own notes are not guidance
                yield file, rel.as_posix()
        else:
            yield root, root.name


# --------------------------------------------------------------------------- chunking


def chunk_id(key: str, section: str, text: str) -> str:
    return hashlib.sha256(f"{key}\x00{section}\x00{text}".encode()).hexdigest()[:32]


def _meta_value(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def chunk_document(doc: LoadedDoc) -> list[Chunk]:
    """Cut a document into chunks along its sections, then by size, with citation metadata."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_CHARS,
        chunk_overlap=CHUNK_OVERLAP,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    )
    doc_lenses = doc.meta.get("lenses") or []
    if isinstance(doc_lenses, str):
        doc_lenses = [x.strip() for x in doc_lenses.split(",")]
    base: dict[str, Any] = {k: _meta_value(doc.meta.get(k, "")) for k in FRONT_MATTER_KEYS}
    base.update(
        {"source": doc.source, "key": doc.key, "title": doc.title, "doc_hash": doc.content_hash}
    )
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in doc.sections:
        lenses = section.lenses if section.lenses is not None else list(doc_lenses)
        pieces = splitter.split_text(section.text)
        for part_no, piece in enumerate(pieces, start=1):
            piece = piece.strip()
            if not piece:
                continue
            cid = chunk_id(doc.key, section.path, piece)
            if cid in seen:  # a repeated paragraph is stored once
                continue
            seen.add(cid)
            meta = dict(base)
            meta.update(
                section=section.path,
                page=section.page if section.page is not None else -1,
                part=part_no,
                parts=len(pieces),
                ordinal=len(chunks),
                lenses="," + ",".join(lenses) + "," if lenses else "",
            )
            if section.kind is not None:
                meta["kind"] = section.kind
            if section.jurisdiction is not None:
                meta["jurisdiction"] = section.jurisdiction
            chunks.append(
                Chunk(
                    id=cid,
                    text=piece,
                    source=doc.source,
                    title=doc.title,
                    section=section.path,
                    metadata=meta,
                )
            )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What the models see: the title and section give a passage its context."""
    return f"{chunk.title}. {chunk.section}.\n{chunk.text}"
