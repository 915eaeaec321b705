"""How many words in a row the corpus shares with a source, outside marked quotations.

The corpus must be in our own words: a paraphrase may share a phrase with its source, but not a
sentence. This measures the longest run of identical words (case, punctuation and curly quotes
ignored) between a source text and the corpus, leaving out what the corpus marks as a quotation
(text inside quotation marks on one line, and Markdown block quotes). Front-matter fields other
than `summary` are citation details (titles, references) and are left out too.

    python tools/longest_run.py SOURCE.txt [SOURCE2.txt ...] [--corpus corpus] [--show 8]

Prints, for each source, the longest run, its words and the corpus file it is in; `--show N`
also lists every other run of N words or more, so each can be paraphrased. Exit code 1 when a
run reaches `--limit` words (10 by default), so the check can gate a change.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
# A quotation marked on one line: straight or curly double quotes. Single quotes are left alone
# because they are also apostrophes.
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)


def words(text: str) -> list[str]:
    """Lower-case words, with curly apostrophes made straight."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return _WORD.findall(text)


def own_words(text: str) -> list[list[str]]:
    """The parts of a corpus file written in our own words, as word lists that a run may not
    cross (a quotation or a block quote splits the text)."""
    parts: list[str] = []
    front = _FRONT.match(text)
    if front:
        try:
            meta = yaml.safe_load(front.group(1)) or {}
        except yaml.YAMLError:
            meta = {}
        if isinstance(meta, dict) and meta.get("summary"):
            parts.append(str(meta["summary"]))
        text = text[front.end() :]
    for line in text.splitlines():
        if line.lstrip().startswith(">"):
            continue  # a block quote is a marked quotation
        parts.extend(_QUOTED.split(line))
    return [w for w in (words(p) for p in parts) if w]


@dataclass
class Run:
    length: int
    words: str
    file: str


def _grams(seq: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)}


def longest_run(source: list[str], corpus: dict[str, list[list[str]]]) -> Run:
    """The longest run of words found both in the source and in one segment of the corpus."""
    best = Run(0, "", "")
    lo, hi = 1, len(source)
    while lo <= hi:  # a run of n shared words contains runs of every shorter length
        n = (lo + hi) // 2
        found = _find(_grams(source, n), corpus, n)
        if found:
            best = found
            lo = n + 1
        else:
            hi = n - 1
    return best


def _find(grams: set[tuple[str, ...]], corpus: dict[str, list[list[str]]], n: int) -> Run | None:
    if not grams:
        return None
    for name, segments in corpus.items():
        for seg in segments:
            for i in range(len(seg) - n + 1):
                gram = tuple(seg[i : i + n])
                if gram in grams:
                    return Run(n, " ".join(gram), name)
    return None


def runs_at_least(source: list[str], corpus: dict[str, list[list[str]]], n: int) -> list[Run]:
    """Every maximal run of n words or more (one line per corpus place), for paraphrasing."""
    grams = _grams(source, n)
    out: list[Run] = []
    for name, segments in corpus.items():
        for seg in segments:
            i = 0
            while i <= len(seg) - n:
                if tuple(seg[i : i + n]) in grams:
                    j = i + n
                    while j < len(seg) and tuple(seg[j - n + 1 : j + 1]) in grams:
                        j += 1
                    out.append(Run(j - i, " ".join(seg[i:j]), name))
                    i = j
                else:
                    i += 1
    return sorted(out, key=lambda r: -r.length)


def load_corpus(folder: Path) -> dict[str, list[list[str]]]:
    return {p.name: own_words(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.md"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", type=Path, help="source text files to compare")
    parser.add_argument("--corpus", type=Path, default=Path(__file__).parents[1] / "corpus")
    parser.add_argument("--show", type=int, default=0, help="also list runs of this many words")
    parser.add_argument("--limit", type=int, default=10, help="a run this long fails the check")
    args = parser.parse_args(argv)
    corpus = load_corpus(args.corpus)
    worst = 0
    for path in args.sources:
        try:
            source = words(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            print(f"longest_run: {path} could not be read ({exc})", file=sys.stderr)
            return 2
        run = longest_run(source, corpus)
        worst = max(worst, run.length)
        print(f"{path.name}: {run.length} words ({run.file}): {run.words}")
        if args.show:
            for r in runs_at_least(source, corpus, args.show):
                print(f"    {r.length:>3}  {r.file}: {r.words}")
    return 1 if worst >= args.limit else 0


if __name__ == "__main__":
    sys.exit(main())
