"""Measure the model's reading of status (``assistant/casefile/llm_status.py``) without a model.

No language model runs on this machine, so the answers are written beforehand: ``prompts``
writes, for each labelled text, exactly what Curio would send a remote model (the draft
redacted, the adults as the offline reading found them) to ``<dir>/<id>.txt``; someone who has
never seen the labels (a helper session given only those files) writes each answer to
``<dir>/<id>.json``; ``collect`` stores the answers with a digest of their prompt; ``score``
replays them through the same code the CLI uses (quotes checked, the offline reading kept where
an answer is missing or unusable) and prints the figures beside the offline ones.

A replayed answer only stands for its own prompt: if the extractor or the template changes, the
digest no longer matches and ``score`` says so instead of scoring stale answers. The figure is
what a capable model would add, never the offline figure.

    python -m evals.casefile.replay prompts --split test --out DIR
    python -m evals.casefile.replay collect DIR --out evals/casefile/replay/NAME.yaml
    python -m evals.casefile.replay score --split test --answers evals/casefile/replay/NAME.yaml
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from evals.casefile import FOLDER, Tally, load_split, score_item

REPO = FOLDER.parent.parent


def _prompts() -> Any:
    from assistant.prompts import load_prompts

    return load_prompts(REPO / "prompts")


def _messages(item: dict[str, Any], prompts: Any) -> tuple[Any, list[Any], str, str]:
    """The offline case, the messages a remote model would get, the text sent, the prompt."""
    from assistant.casefile import extract_case
    from assistant.casefile.llm_status import build_messages
    from assistant.redact import Redactor

    case = extract_case(item["text"])
    messages, sent = build_messages(case, item["text"], prompts, Redactor())
    prompt = "\n\n".join(f"[{m.type}]\n{m.content}" for m in messages)
    return case, messages, sent, prompt


def digest(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:16]


def write_prompts(split: str, out: Path, folder: Path = FOLDER) -> int:
    out.mkdir(parents=True, exist_ok=True)
    prompts = _prompts()
    n = 0
    for item in load_split(split, folder):
        case, _, _, prompt = _messages(item, prompts)
        if not [p for p in case.people if p.is_family_adult]:
            continue  # nothing would be sent
        (out / f"{item['id']}.txt").write_text(prompt, encoding="utf-8")
        n += 1
    return n


def collect(answers: Path, out: Path) -> int:
    rows = []
    for path in sorted(answers.glob("*.json")):
        prompt = (answers / f"{path.stem}.txt").read_text(encoding="utf-8")
        rows.append({"id": path.stem, "prompt": digest(prompt), "answer": path.read_text("utf-8")})
    out.parent.mkdir(parents=True, exist_ok=True)
    head = (
        "# Answers to the case file's status prompt, written by sessions that saw only the\n"
        "# prompt files (never the labels); replayed by python -m evals.casefile.replay score.\n"
    )
    out.write_text(head + yaml.safe_dump(rows, allow_unicode=True, width=100), "utf-8")
    return len(rows)


def _replay(answer: str) -> Any:
    def run(model: Any, messages: Sequence[Any], timeout: float) -> Iterator[str]:
        yield answer

    return run


def score(split: str, answers: Path, folder: Path = FOLDER) -> tuple[Tally, Tally, dict[str, int]]:
    """The offline figures and the figures with the replayed answers, on the same texts."""
    from assistant.casefile.llm_status import read_status
    from assistant.redact import Redactor

    stored = {r["id"]: r for r in yaml.safe_load(answers.read_text("utf-8")) or []}
    prompts = _prompts()
    offline, with_model = Tally(), Tally()
    counts = {"answered": 0, "stale": 0, "missing": 0, "adults_read": 0, "notes": 0}
    for item in load_split(split, folder):
        case, _, _, prompt = _messages(item, prompts)
        before = case.to_json()
        offline.add(score_item(item, before))
        row = stored.get(item["id"])
        if row is not None and row["prompt"] != digest(prompt):
            counts["stale"] += 1
            row = None
        if row is None:
            counts["missing"] += int(any(p.is_family_adult for p in case.people))
            with_model.add(score_item(item, before))
            continue
        counts["answered"] += 1
        outcome = read_status(
            case,
            item["text"],
            None,
            prompts,
            run=_replay(row["answer"]),
            timeout=1.0,
            redactor=Redactor(),
            name="the replayed answers",
        )
        counts["adults_read"] += outcome.read
        counts["notes"] += outcome.note.startswith("Status is the offline")
        with_model.add(score_item(item, outcome.case.to_json()))
    return offline, with_model, counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.casefile.replay")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prompts")
    p.add_argument("--split", required=True)
    p.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("collect")
    c.add_argument("folder", type=Path)
    c.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("--split", required=True)
    s.add_argument("--answers", type=Path, required=True)
    for sp in (p, s):
        sp.add_argument("--folder", type=Path, default=FOLDER, help="where the split's files are")
    args = ap.parse_args(argv)
    if args.cmd == "prompts":
        print(f"{write_prompts(args.split, args.out, args.folder)} prompts in {args.out}")
    elif args.cmd == "collect":
        print(f"{collect(args.folder, args.out)} answers in {args.out}")
    else:
        offline, model, counts = score(args.split, args.answers, args.folder)
        for label, t in (("offline", offline), ("with the replayed answers", model)):
            f = t.figures()
            print(
                f"{label:26} status {f['status_right_pct']}% (all three "
                f"{f['adults_all_status_right_pct']}%, {f['counts']['adults_for_status']} adults)"
            )
        print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
