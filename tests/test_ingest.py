"""Ingestion: every loader keeps the document's structure, and every bad input is skipped with a
one-line reason naming the file.

Most tests here are unit tests of the loaders and the chunker (no model, no store). The last few
drive ``curio ingest`` in-process with the real model to check its exit codes.

The bad-file builders at the top are shared with ``test_bad_inputs.py`` (the bad-input matrix).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.errors import CurioError
from assistant.ingest import (
    MAX_DOCX_EXPANDED_BYTES,
    Skipped,
    chunk_document,
    iter_files,
    load_document,
    read_text,
)

# ----------------------------------------------------------------------------- file builders


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A real PDF with one line of extractable text per page (matplotlib writes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path.parent.mkdir(parents=True, exist_ok=True)
    with PdfPages(path) as pdf:
        for text in pages:
            fig = plt.figure(figsize=(6, 2))
            if text:
                fig.text(0.02, 0.5, text, fontsize=7)
            else:  # a "scanned" page: a drawing, no text
                fig.add_artist(plt.Rectangle((0.1, 0.1), 0.5, 0.5, color="grey"))
            pdf.savefig(fig)
            plt.close(fig)
    return path


def make_docx(path: Path, title: str, sections: list[tuple[int, str, str]]) -> Path:
    """A real Word document: a Title, then (heading level, heading, paragraph) triples."""
    import docx

    document = docx.Document()
    document.add_heading(title, 0)
    for level, heading, text in sections:
        document.add_heading(heading, level)
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def make_zip_bomb_docx(path: Path) -> Path:
    """A .docx whose parts expand past the limit (zeros compress about a thousandfold)."""
    block = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        with zf.open("word/media/padding.bin", "w", force_zip64=True) as fh:
            for _ in range(MAX_DOCX_EXPANDED_BYTES // len(block) + 8):
                fh.write(block)
    return path


def make_lying_zip_docx(path: Path) -> Path:
    """A real Word document whose main part claims to be tiny but expands to 20 MB.

    The size check reads the declared sizes; this proves a lie there is still caught (the zip
    reader stops at the declared size and the checksum fails) rather than read in full.
    """
    good = make_docx(path.with_name("lying-source.docx"), "Lying", [(1, "A", "text")])
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data + b"<!--" + b"A" * (20 << 20) + b"-->"
            dst.writestr(info.filename, data)
    good.unlink()
    raw = bytearray(path.read_bytes())
    name = b"word/document.xml"
    # local header: sizes at offset 22 (uncompressed), central directory: at offset 24
    for sig, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (pos := raw.find(sig, start)) >= 0:
            if raw[pos + name_offset : pos + name_offset + len(name)] == name:
                struct.pack_into("<I", raw, pos + size_offset, 1000)
            start = pos + 4
    path.write_bytes(bytes(raw))
    return path


def make_encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_name("plain-for-lock.pdf"), ["A locked page of guidance."])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt("invented-password")
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


YAML_MARKER = "yaml-payload-ran"
LATIN1_NOTE = "Caf\u00e9 visit note: the father was seen \u00a3 \u2013 invented."

#: name -> (builder(folder) -> path, words the one-line reason must contain)
BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing path": (lambda d: d / "no-such-file.md", "does not exist"),
    "unsupported type": (
        lambda d: _write_bytes(d / "figures.xlsx", b"PK\x03\x04 not really a spreadsheet"),
        "unsupported type",
    ),
    "empty file": (lambda d: _write_bytes(d / "empty.md", b""), "is empty"),
    "whitespace-only file": (lambda d: _write_bytes(d / "blank.txt", b"  \n\t\n   \n"), "is empty"),
    "corrupt PDF": (
        lambda d: _write_bytes(d / "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Cat" + b"\x8f" * 64),
        "could not be read as a PDF",
    ),
    "PDF without text (scanned)": (
        lambda d: make_pdf(d / "scanned.pdf", [""]),
        "no text that can be extracted",
    ),
    "password-protected PDF": (
        lambda d: make_encrypted_pdf(d / "locked.pdf"),
        "password-protected",
    ),
    "corrupt DOCX": (
        lambda d: _write_bytes(d / "broken.docx", b"PK\x03\x04" + bytes(range(256)) * 4),
        "could not be read as a Word document",
    ),
    "DOCX zip bomb": (lambda d: make_zip_bomb_docx(d / "bomb.docx"), "too large"),
    "DOCX with a false size": (
        lambda d: make_lying_zip_docx(d / "lying.docx"),
        "could not be read as a Word document",
    ),
    "binary renamed .txt": (
        lambda d: _write_bytes(
            d / "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64 + b"\0" * 512
        ),
        "binary",
    ),
    "text that is not UTF-8": (
        lambda d: _write_bytes(
            d / "latin1.txt",
            LATIN1_NOTE.encode("cp1252"),
        ),
        "not UTF-8",
    ),
    "YAML front matter with a code payload": (
        lambda d: _write_bytes(
            d / "yaml-payload.md",
            (
                "---\ntitle: !!python/object/apply:os.system ['touch "
                + str(d / YAML_MARKER)
                + "']\n---\n# Heading\n\nBody text.\n"
            ).encode(),
        ),
        "front matter that is not valid YAML",
    ),
}


def build_bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    return {name: (build(folder), reason) for name, (build, reason) in BAD_FILES.items()}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return build_bad_files(tmp_path_factory.mktemp("bad-files"))


# ----------------------------------------------------------------------------- good formats

MARKDOWN = """---
title: Invented guidance on contact after separation
publisher: Harbourside Borough Council (invented)
year: 2024
reference: HBC/DA/7
type: procedure
lenses: [post_separation, history]
---
# A heading the front matter overrides

Opening words before any section.

## Contact arrangements

Handovers at a contact centre reduce the chances for coercive control. {long}

### Who supervises contact

A named supervisor, never a relative of either adult.

## Reading the history
<!-- lenses: history, pattern -->

Look back over every police call-out, not only the latest one.
"""


def test_markdown_front_matter_headings_and_lens_tags(tmp_path: Path) -> None:
    long = " ".join(
        f"Sentence {n} about the handover plan for the invented family." for n in range(40)
    )
    path = tmp_path / "contact.md"
    path.write_text(MARKDOWN.replace("{long}", long), encoding="utf-8")
    doc = load_document(path, key="contact.md")
    assert doc.title == "Invented guidance on contact after separation"
    assert [s.path for s in doc.sections] == [
        "Introduction",
        "Contact arrangements",
        "Contact arrangements > Who supervises contact",
        "Reading the history",
    ]
    assert doc.sections[3].lenses == ["history", "pattern"]
    assert "<!--" not in doc.sections[3].text

    chunks = chunk_document(doc)
    by_section: dict[str, list] = {}
    for c in chunks:
        by_section.setdefault(c.section, []).append(c)
    assert len(by_section["Contact arrangements"]) >= 2, "a long section is cut by size"
    parts = by_section["Contact arrangements"]
    assert [c.metadata["part"] for c in parts] == list(range(1, len(parts) + 1))
    assert all(len(c.text) <= 1000 for c in chunks)
    for c in chunks:
        m = c.metadata
        assert c.source == "contact.md" and c.title == doc.title
        assert m["publisher"] == "Harbourside Borough Council (invented)"
        assert m["year"] == 2024 and m["reference"] == "HBC/DA/7" and m["type"] == "procedure"
        assert m["page"] == -1
    assert by_section["Reading the history"][0].metadata["lenses"] == ",history,pattern,"
    assert by_section["Contact arrangements"][0].metadata["lenses"] == ",post_separation,history,"
    assert by_section["Contact arrangements"][0].lenses == ["post_separation", "history"]
    # ids are content hashes: the same file gives the same ids, a change gives new ones
    assert [c.id for c in chunk_document(load_document(path, "contact.md"))] == [
        c.id for c in chunks
    ]
    assert len({c.id for c in chunks}) == len(chunks)


def test_pdf_keeps_page_numbers(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "inspection-letter.pdf",
        ["Page one: the plan relied on the mother's word.", "Page two: no check with police."],
    )
    doc = load_document(path, key=path.name)
    assert [s.path for s in doc.sections] == ["Page 1", "Page 2"]
    chunks = chunk_document(doc)
    assert [c.metadata["page"] for c in chunks] == [1, 2]
    assert "relied on the mother" in chunks[0].text and "check with police" in chunks[1].text
    assert chunks[0].title == "Inspection letter"


def test_docx_headings_become_sections(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "procedure.docx",
        "Invented pre-birth procedure",
        [
            (1, "Referral", "Refer by 20 weeks of pregnancy."),
            (2, "Who refers", "The midwife or the social worker."),
            (1, "Assessment", "Include the father and any new partner."),
        ],
    )
    doc = load_document(path, key=path.name)
    assert doc.title == "Invented pre-birth procedure"
    assert [s.path for s in doc.sections] == ["Referral", "Referral > Who refers", "Assessment"]
    assert "20 weeks" in doc.sections[0].text


def test_html_headings_kept_and_scripts_removed(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Invented web guidance</title><style>p{color:red}</style>"
        "<script>document.cookie='stolen'</script></head><body>"
        "<h2>Seeing the child alone</h2><p>Speak with the child away from the adults.</p>"
        "<script>alert('x')</script>"
        "<h2>Recording</h2><p>Write down the child's own words.</p></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path, key=path.name)
    assert doc.title == "Invented web guidance"
    assert [s.path for s in doc.sections] == ["Seeing the child alone", "Recording"]
    text = " ".join(s.text for s in doc.sections)
    assert "away from the adults" in text and "own words" in text
    assert "cookie" not in text and "alert" not in text and "color:red" not in text


def test_plain_text_and_utf16(tmp_path: Path) -> None:
    path = tmp_path / "visit_notes.txt"
    path.write_text("An invented note.\nSecond line.", encoding="utf-8")
    doc = load_document(path, key=path.name)
    assert doc.title == "Visit notes" and [s.path for s in doc.sections] == ["Text"]
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Notes written on another machine.".encode("utf-16"))
    assert read_text(utf16) == "Notes written on another machine."


def test_folders_skip_hidden_files_and_readmes(tmp_path: Path) -> None:
    (tmp_path / "docs" / ".hidden").mkdir(parents=True)
    (tmp_path / "docs" / ".hidden" / "secret.md").write_text("# x\n\ny")
    (tmp_path / "docs" / "README.md").write_text("# About this folder")
    (tmp_path / "docs" / "sub").mkdir()
    (tmp_path / "docs" / "sub" / "a.md").write_text("# A\n\ntext")
    items = list(iter_files([tmp_path / "docs"]))
    assert items == [(tmp_path / "docs" / "sub" / "a.md", "sub/a.md")]


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_is_refused_with_one_line_reason(
    name: str, bad_files: dict[str, tuple[Path, str]]
) -> None:
    path, expected = bad_files[name]
    items = list(iter_files([path]))
    assert len(items) == 1
    item = items[0]
    if isinstance(item, Skipped):  # a missing path is known before it is opened
        reason = str(item)
    else:
        with pytest.raises(CurioError) as caught:
            load_document(path, key=path.name)
        reason = caught.value.message
    assert expected in reason
    assert path.name in reason, "the reason names the file"
    assert "\n" not in reason and "Traceback" not in reason
    assert not (path.parent / YAML_MARKER).exists(), "a YAML tag must never run code"


# ----------------------------------------------------------------------------- the command


@pytest.mark.integration
def test_cli_ingest_skips_bad_files_and_exits_2_only_when_nothing_was_read(
    tmp_path: Path,
    bad_files: dict[str, tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
    embedder: object,
) -> None:
    from assistant.cli import main

    index_dir = tmp_path / "index"
    paths = [str(p) for p, _ in bad_files.values()]
    assert main(["ingest", *paths, "--index", str(index_dir)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == len(bad_files) + 1, err
    for (path, expected), line in zip(bad_files.values(), lines, strict=False):
        assert line.startswith(f"skipped {path}") and expected in line, line
    assert lines[-1] == "curio: nothing could be ingested"
    assert "Traceback" not in err

    good = tmp_path / "good.md"
    good.write_text("# Invented\n\n## Part\n\nSome guidance text.\n", encoding="utf-8")
    assert main(["ingest", *paths, str(good), "--index", str(index_dir), "--json"]) == 0
    out, err = capsys.readouterr()
    assert '"files_read": 1' in out and '"chunks_added": 1' in out
    assert len(err.strip().splitlines()) == len(bad_files)


@pytest.mark.integration
def test_cli_ingest_bad_words_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["ingest"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "curio ingest --help" in err


# ----------------------------------------------------------------------------- kinds


KINDED = """---
title: Invented letter
publisher: Inspectorate (invented)
kind: Inspection finding
jurisdiction: England and Wales
---
# Invented letter

## What inspectors found
Referrals were thin.

## Curio practice prompt: thin referrals
<!-- kind: practice-prompt -->
<!-- lenses: consent -->
Ask the referrer what changed.

## A rule that applies across the UK
<!-- jurisdiction: UK -->
<!-- kind: law -->
The same everywhere.
"""


def test_kind_and_jurisdiction_from_front_matter_and_section_tags(tmp_path: Path) -> None:
    path = tmp_path / "letter.md"
    path.write_text(KINDED, encoding="utf-8")
    doc = load_document(path, key="letter.md")
    assert doc.meta["kind"] == "inspection-finding"  # readable words stored as the key
    assert doc.meta["jurisdiction"] == "england-and-wales"
    by_section = {c.section: c for c in chunk_document(doc)}
    found = by_section["What inspectors found"]
    assert found.kind == "inspection-finding"
    assert found.metadata["jurisdiction"] == "england-and-wales"
    prompt = by_section["Curio practice prompt: thin referrals"]
    assert prompt.kind == "practice-prompt" and prompt.lenses == ["consent"]
    assert "<!--" not in prompt.text
    rule = by_section["A rule that applies across the UK"]
    assert (rule.kind, rule.metadata["jurisdiction"]) == ("law", "uk")


def test_documents_without_a_kind_get_a_default(tmp_path: Path) -> None:
    plain = tmp_path / "our-procedure.txt"
    plain.write_text("Our own procedure for handovers after domestic abuse.", encoding="utf-8")
    chunk = chunk_document(load_document(plain, key=plain.name))[0]
    assert chunk.kind == "local-procedure" and chunk.metadata["jurisdiction"] == ""
    legacy = tmp_path / "old.md"  # written for the older contract: `type` says whose words
    legacy.write_text(
        "---\ntitle: Old\ntype: legislation\njurisdiction: England\n---\n# Old\n\n## Part\nText.\n",
        encoding="utf-8",
    )
    old = chunk_document(load_document(legacy, key=legacy.name))[0]
    assert (old.kind, old.metadata["jurisdiction"]) == ("law", "england")


@pytest.mark.parametrize(
    ("front", "tag", "expected"),
    [
        ("kind: blog post\n", "", "unknown kind 'blog post'"),
        ("jurisdiction: France\n", "", "unknown jurisdiction 'France'"),
        ("", "<!-- kind: hearsay -->\n", "section 'Part'"),
    ],
)
def test_an_unknown_kind_or_jurisdiction_is_a_one_line_reason(
    tmp_path: Path, front: str, tag: str, expected: str
) -> None:
    path = tmp_path / "bad.md"
    path.write_text(f"---\ntitle: Bad\n{front}---\n# Bad\n\n## Part\n{tag}Text.\n", "utf-8")
    with pytest.raises(CurioError) as info:
        load_document(path, key=path.name)
    assert expected in info.value.message and "bad.md" in info.value.message
    assert "\n" not in info.value.message
