"""Training data for the lens model: labelled texts, read into sentences in context.

The training texts live in ``prompts/training/*.yaml`` and nowhere else; development and test
texts live under ``evals/`` and are read by ``assistant.evaluation``, never by this module, so
the model cannot be trained on what it is scored on. Each training text is a whole invented
document (a duty note, a safety plan, an agenda ...) with quotes labelled per lens as
``shortfall``, ``coverage`` or ``mention``; every other sentence counts as "neither" for every
lens. The text's own ``quality`` says whether it is about a family at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from assistant.errors import CurioError
from assistant.review.model import STATES, Unit
from assistant.review.text import Sentence, is_heading, split_sentences

KINDS = ("mention", "shortfall", "coverage")
#: libyaml's parser when installed: the training texts are read at every start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
QUALITIES = ("flawed", "good-practice", "mixed", "not-family")
#: When one sentence carries two readings for one lens, the more specific one wins.
_PRIORITY = {"neither": 0, "mention": 1, "coverage": 2, "shortfall": 3}


@dataclass
class LabelledText:
    id: str
    text: str
    quality: str
    register: str = ""
    required: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    #: (start, end, kind, lens) spans in ``text``
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)
    source: str = ""


def load_texts(folder: Path, lenses: Sequence[str]) -> list[LabelledText]:
    """Every labelled text in ``folder/*.yaml``; a malformed file is a set-up error."""
    known = set(lenses)
    out: list[LabelledText] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            docs = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or []
        except yaml.YAMLError as exc:
            raise CurioError(f"The training file {path} is not valid YAML: {exc}") from exc
        for d in docs:
            out.append(_parse(d, known, path))
    return out


def _parse(d: dict, known: set[str], path: Path) -> LabelledText:
    where = f"{path.name} {d.get('id', '?')}"
    text = str(d.get("text") or "")
    quality = str(d.get("quality", ""))
    if quality not in QUALITIES or not text.strip():
        raise CurioError(f"The training text {where} has no text or an unknown quality.")
    lt = LabelledText(
        id=str(d["id"]),
        text=text,
        quality=quality,
        register=str(d.get("register", "")),
        required=[x for x in d.get("required") or [] if x in known],
        forbidden=[x for x in d.get("forbidden") or [] if x in known],
        source=path.name,
    )
    for lab in d.get("labels") or []:
        quote = str(lab.get("quote", ""))
        at = text.find(quote) if quote else -1
        if at < 0:
            raise CurioError(f"The training text {where} has a label quote not in its text.")
        for kind in KINDS:
            for lens in lab.get(kind) or []:
                if lens not in known:
                    raise CurioError(f"The training text {where} names an unknown lens {lens}.")
                lt.spans.append((at, at + len(quote), kind, lens))
    return lt


def units_for(text: str, sentences: Sequence[Sentence] | None = None) -> list[Unit]:
    """Each sentence with its heading and neighbours, as the model reads it."""
    sentences = list(sentences) if sentences is not None else split_sentences(text)
    out: list[Unit] = []
    heading = ""
    flat = [" ".join(s.text.split()) for s in sentences]
    for i, s in enumerate(flat):
        if is_heading(s) and len(s) < 80:
            heading = s
        before = flat[i - 1] if i > 0 else ""
        after = flat[i + 1] if i + 1 < len(flat) else ""
        out.append(Unit(s[:600], before=before[:300], after=after[:300], heading=heading[:80]))
    return out


def targets_for(
    lt: LabelledText, sentences: Sequence[Sentence], lenses: Sequence[str]
) -> np.ndarray:
    """State index per (sentence, lens): a label's span marks every sentence it overlaps by at
    least half of the shorter of the two (so a quote of part of a sentence marks the sentence)."""
    index = {lens: i for i, lens in enumerate(lenses)}
    y = np.zeros((len(sentences), len(lenses)), dtype=np.int64)
    for start, end, kind, lens in lt.spans:
        for i, s in enumerate(sentences):
            overlap = min(end, s.end) - max(start, s.start)
            if overlap <= 0 or overlap < 0.5 * min(end - start, s.end - s.start):
                continue
            j = index[lens]
            current = STATES[y[i, j]]
            if _PRIORITY[kind] > _PRIORITY[current]:
                y[i, j] = STATES.index(kind)
    return y


def load_sentence_rows(path: Path) -> list[tuple[str, str]]:
    """(text, label) rows of a sentence file; label is present:<lens>, covered:<lens> or
    neutral."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["text"], row["label"]))
    return rows


def sentence_units(
    rows: Sequence[tuple[str, str]], lenses: Sequence[str]
) -> tuple[list[Unit], np.ndarray]:
    """Single labelled sentences (no context) as units: present -> shortfall, covered ->
    coverage, neutral -> neither for every lens."""
    index = {lens: i for i, lens in enumerate(lenses)}
    units: list[Unit] = []
    y = np.zeros((len(rows), len(lenses)), dtype=np.int64)
    for r, (text, label) in enumerate(rows):
        units.append(Unit(" ".join(text.split())[:600]))
        if ":" in label:
            kind, lens = label.split(":", 1)
            if lens in index:
                y[r, index[lens]] = STATES.index("shortfall" if kind == "present" else "coverage")
    return units, y


@dataclass
class TrainingSet:
    units: list[Unit]
    targets: np.ndarray
    #: one entry per unit: the text it came from ("" for single sentences)
    text_ids: list[str]
    texts: list[LabelledText]
    fingerprint_parts: list[str]


def build_training_set(
    training_dir: Path,
    extra_sentence_files: Sequence[Path],
    lenses: Sequence[str],
    extra_rows: Sequence[tuple[str, str]] = (),
) -> TrainingSet:
    """All training units, in a fixed order, with the parts that make the cache key.
    ``extra_rows`` are single labelled sentences (the catalogue's examples)."""
    texts = load_texts(training_dir, lenses)
    units: list[Unit] = []
    blocks: list[np.ndarray] = []
    ids: list[str] = []
    for lt in texts:
        sentences = split_sentences(lt.text)
        if not sentences:
            continue
        units.extend(units_for(lt.text, sentences))
        blocks.append(targets_for(lt, sentences, lenses))
        ids.extend([lt.id] * len(sentences))
    row_sets = [list(extra_rows)] + [load_sentence_rows(p) for p in extra_sentence_files]
    for rows in row_sets:
        row_units, y = sentence_units(rows, lenses)
        units.extend(row_units)
        blocks.append(y)
        ids.extend([""] * len(row_units))
    targets = np.concatenate(blocks) if blocks else np.zeros((0, len(lenses)), dtype=np.int64)
    parts = [",".join(lenses)]
    for u, row in zip(units, targets, strict=True):
        parts.append(f"{u.sentence}\x1f{u.context()}\x1f{','.join(map(str, row.tolist()))}")
    return TrainingSet(units, targets, ids, texts, parts)
