"""Check labelled training texts (prompts/training/*.yaml) as their writers did.

    python3 tools/check_training.py prompts/training/*.yaml

Prints problems, or OK with counts; exit 1 on any problem. Needs only Python and PyYAML, so a
writer can run it without installing Curio.
"""

from __future__ import annotations

import sys

import yaml

LENSES = [
    "past-behaviour",
    "perpetrator-absence-plan",
    "protective-parent-burden",
    "engagement-optimism",
    "perpetrator-invisible",
    "child-voice",
    "infant-vulnerability",
    "history-not-connected",
    "neglect",
    "multi-agency-information",
    "culture-identity",
    "consent",
    "exploitation",
    "mental-health-substance",
    "risk-escalation",
]
QUALITY = {"flawed", "good-practice", "mixed", "not-family"}
KINDS = ("shortfall", "coverage", "mention")
KEYS = ("id", "register", "quality", "required", "forbidden", "text", "labels")


def check_text(d: object, where: str) -> list[str]:
    if not isinstance(d, dict):
        return [f"{where}: not a mapping"]
    problems = [f"{where}: missing {key}" for key in KEYS if key not in d]
    if d.get("quality") not in QUALITY:
        problems.append(f"{where}: quality must be one of {sorted(QUALITY)}")
    text = d.get("text") or ""
    req, forb = set(d.get("required") or []), set(d.get("forbidden") or [])
    problems += [f"{where}: unknown lens {lens!r}" for lens in sorted((req | forb) - set(LENSES))]
    if req & forb:
        problems.append(f"{where}: lens both required and forbidden: {sorted(req & forb)}")
    if d.get("quality") == "not-family" and req:
        problems.append(f"{where}: a not-family text cannot require lenses")
    for lab in d.get("labels") or []:
        quote = lab.get("quote", "")
        if not quote or quote not in text:
            problems.append(f"{where}: quote not found verbatim in text: {quote[:70]!r}")
        kinds = [k for k in lab if k != "quote"]
        if not kinds:
            problems.append(f"{where}: label with no shortfall/coverage/mention: {quote[:50]!r}")
        for k in kinds:
            if k not in KINDS:
                problems.append(f"{where}: unknown label kind {k!r}")
                continue
            bad = [lens for lens in lab[k] or [] if lens not in LENSES]
            problems += [f"{where}: unknown lens {lens!r} in labels" for lens in bad]
    return problems


def main(paths: list[str]) -> int:
    problems: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            docs = yaml.safe_load(fh)
        if not isinstance(docs, list):
            problems.append(f"{path}: top level must be a list of texts")
            continue
        n_labels = 0
        for i, d in enumerate(docs):
            where = f"{path} #{i} {d.get('id') if isinstance(d, dict) else ''}"
            problems += check_text(d, where)
            n_labels += len(d.get("labels") or []) if isinstance(d, dict) else 0
        print(f"{path}: {len(docs)} texts, {n_labels} labelled quotes")
    for p in problems:
        print(p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
