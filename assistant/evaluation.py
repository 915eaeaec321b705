"""Score the review engine on the invented scenarios in ``evals/scenarios``.

Two figures matter to a practitioner: did Curio raise the lenses a scenario calls for (recall of
required lenses), and did it stay quiet about ground the text covers well or that does not apply
(forbidden-hit rate). Both are reported overall, per split and per lens, so that a lens that is
noisy or deaf can be seen and fixed on the tuning split without peeking at the test split.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import CurioError
from assistant.lenses import LENS_IDS

#: tune: texts whose errors have been read; dev: texts for choosing thresholds, scored as a
#: whole; test: blind texts, scored once after the method is frozen.
SPLITS = ("tune", "dev", "test")
QUALITIES = ("flawed", "good-practice", "mixed", "not-family")


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    text: str
    required: tuple[str, ...]
    forbidden: tuple[str, ...]
    split: str
    source: str = ""
    #: flawed, good-practice, mixed or not-family ("" when the writer did not say)
    quality: str = ""
    register: str = ""


def _parse(row: Any, source: str) -> Scenario:
    if not isinstance(row, dict):
        raise CurioError(f"Scenario file {source}: every scenario must be a mapping.")
    for key in ("id", "text"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise CurioError(f"Scenario file {source}: a scenario has no '{key}'.")
    required = tuple(row.get("required") or ())
    forbidden = tuple(row.get("forbidden") or ())
    unknown = sorted(set(required + forbidden) - set(LENS_IDS))
    if unknown:
        raise CurioError(f"Scenario {row['id']} names unknown lens id(s): {', '.join(unknown)}.")
    both = sorted(set(required) & set(forbidden))
    if both:
        raise CurioError(f"Scenario {row['id']} both requires and forbids: {', '.join(both)}.")
    split = str(row.get("split", "test"))
    quality = str(row.get("quality", "") or "")
    if quality and quality not in QUALITIES:
        raise CurioError(f"Scenario {row['id']} has an unknown quality {quality!r}.")
    return Scenario(
        id=row["id"],
        title=str(row.get("title", row["id"])),
        text=row["text"],
        required=required,
        forbidden=forbidden,
        split=split,
        source=source,
        quality=quality,
        register=str(row.get("register", "") or ""),
    )


def load_scenarios(folder: Path | str) -> list[Scenario]:
    """Read every ``*.yaml``, ``*.yml`` and ``*.jsonl`` file (a list or one scenario per file)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CurioError(f"No scenario folder at {folder}.")
    out: list[Scenario] = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".yaml", ".yml"):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise CurioError(f"Scenario file {path.name} is not valid YAML: {exc}") from exc
            rows = data if isinstance(data, list) else [data]
        elif path.suffix == ".jsonl":
            rows = [
                json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()
            ]
        else:
            continue
        out.extend(_parse(r, path.name) for r in rows if r is not None)
    ids = [s.id for s in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CurioError(f"Duplicate scenario id(s): {', '.join(dupes)}.")
    return out


@dataclass
class Tally:
    required: int = 0
    raised: int = 0
    forbidden: int = 0
    forbidden_hits: int = 0

    @property
    def recall(self) -> float | None:
        return self.raised / self.required if self.required else None

    @property
    def forbidden_rate(self) -> float | None:
        return self.forbidden_hits / self.forbidden if self.forbidden else None

    def to_json(self) -> dict[str, Any]:
        r, f = self.recall, self.forbidden_rate
        return {
            "required": self.required,
            "raised": self.raised,
            "recall": None if r is None else round(r, 4),
            "forbidden": self.forbidden,
            "forbidden_hits": self.forbidden_hits,
            "forbidden_hit_rate": None if f is None else round(f, 4),
        }


@dataclass
class EvalResult:
    overall: Tally = field(default_factory=Tally)
    per_split: dict[str, Tally] = field(default_factory=dict)
    per_lens: dict[str, Tally] = field(default_factory=dict)
    per_split_lens: dict[str, dict[str, Tally]] = field(default_factory=dict)
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    #: per quality (flawed, good-practice, mixed, not-family): texts and flags raised
    per_quality: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_json(),
            "per_split": {k: v.to_json() for k, v in self.per_split.items()},
            "per_lens": {k: v.to_json() for k, v in self.per_lens.items()},
            "per_split_lens": {
                s: {k: v.to_json() for k, v in d.items()} for s, d in self.per_split_lens.items()
            },
            "per_quality": {
                q: v | {"flags_per_text": round(v["flags"] / max(1, v["texts"]), 3)}
                for q, v in self.per_quality.items()
            },
            "scenarios": self.scenarios,
        }


def evaluate(reviewer: Any, scenarios: Iterable[Scenario], split: str = "all") -> EvalResult:
    """Review every scenario in ``split`` ("tune", "test" or "all") and tally the results."""
    res = EvalResult(per_lens={lens: Tally() for lens in LENS_IDS})
    for sc in scenarios:
        if split != "all" and sc.split != split:
            continue
        flags = reviewer.review(sc.text).flags
        raised = {f.lens for f in flags}
        q = res.per_quality.setdefault(sc.quality or "unspecified", {"texts": 0, "flags": 0})
        q["texts"] += 1
        q["flags"] += len(flags)
        tallies = [
            res.overall,
            res.per_split.setdefault(sc.split, Tally()),
        ]
        split_lens = res.per_split_lens.setdefault(sc.split, {lens: Tally() for lens in LENS_IDS})
        for lens in sc.required:
            hit = lens in raised
            for t in (*tallies, res.per_lens[lens], split_lens[lens]):
                t.required += 1
                t.raised += hit
        for lens in sc.forbidden:
            hit = lens in raised
            for t in (*tallies, res.per_lens[lens], split_lens[lens]):
                t.forbidden += 1
                t.forbidden_hits += hit
        res.scenarios.append(
            {
                "id": sc.id,
                "split": sc.split,
                "raised": sorted(raised),
                "missed": sorted(set(sc.required) - raised),
                "forbidden_raised": sorted(set(sc.forbidden) & raised),
                "quality": sc.quality,
                "flags": len(flags),
            }
        )
    return res


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.2f}"


def render_text(res: EvalResult) -> str:
    lines = ["split    recall  forbidden-hit  (required raised/required; forbidden hits/forbidden)"]
    for name, t in [*sorted(res.per_split.items()), ("all", res.overall)]:
        lines.append(
            f"{name:<8} {_fmt(t.recall):>6}  {_fmt(t.forbidden_rate):>13}  "
            f"({t.raised}/{t.required}; {t.forbidden_hits}/{t.forbidden})"
        )
    lines.append("")
    lines.append(f"{'lens':<26} {'recall':>6} {'forbidden-hit':>13}")
    for lens, t in res.per_lens.items():
        lines.append(
            f"{lens:<26} {_fmt(t.recall):>6} {_fmt(t.forbidden_rate):>13}  "
            f"({t.raised}/{t.required}; {t.forbidden_hits}/{t.forbidden})"
        )
    if res.per_quality:
        lines.append("")
        lines.append("flags per text, by kind of text:")
        for q, v in sorted(res.per_quality.items()):
            lines.append(f"  {q:<14} {v['flags'] / max(1, v['texts']):.2f}  ({v['texts']} texts)")
    misses = [s for s in res.scenarios if s["missed"] or s["forbidden_raised"]]
    if misses:
        lines.append("")
        lines.append("scenarios with errors:")
        for s in misses:
            lines.append(
                f"  {s['id']} [{s['split']}]: missed {s['missed'] or '-'}; "
                f"wrongly raised {s['forbidden_raised'] or '-'}"
            )
    return "\n".join(lines)


def write_report(res: EvalResult, folder: Path | str, command: str = "curio eval") -> Path:
    """Markdown report plus a per-lens bar chart (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lenses = list(res.per_lens)
    recall = [res.per_lens[x].recall or 0.0 for x in lenses]
    fhr = [res.per_lens[x].forbidden_rate or 0.0 for x in lenses]
    fig, ax = plt.subplots(figsize=(11, 5))
    xs = range(len(lenses))
    ax.bar([x - 0.2 for x in xs], recall, width=0.4, label="recall of required")
    ax.bar([x + 0.2 for x in xs], fhr, width=0.4, label="forbidden-hit rate")
    ax.axhline(0.9, color="green", linestyle="--", linewidth=0.8)
    ax.axhline(0.1, color="red", linestyle="--", linewidth=0.8)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(lenses, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_title("Curio review: per-lens recall and forbidden-hit rate")
    ax.legend()
    fig.tight_layout()
    png = folder / "per_lens.png"
    fig.savefig(png, dpi=120)
    plt.close(fig)
    md = [
        "# Curio review evaluation",
        "",
        f"Command: `{command}`. Targets on the test split: recall >= 0.90, forbidden-hit <= 0.10.",
        "",
        "| split | recall | forbidden-hit rate | required raised / required "
        "| forbidden hits / forbidden |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, t in [*sorted(res.per_split.items()), ("all", res.overall)]:
        md.append(
            f"| {name} | {_fmt(t.recall)} | {_fmt(t.forbidden_rate)} | {t.raised}/{t.required} "
            f"| {t.forbidden_hits}/{t.forbidden} |"
        )
    md += ["", "## Per lens", "", "![per-lens chart](per_lens.png)", ""]
    md += ["| lens | recall | forbidden-hit rate |", "| --- | --- | --- |"]
    for lens, t in res.per_lens.items():
        md.append(f"| `{lens}` | {_fmt(t.recall)} | {_fmt(t.forbidden_rate)} |")
    errors = [s for s in res.scenarios if s["missed"] or s["forbidden_raised"]]
    md += ["", "## Scenarios with errors", ""]
    md += [
        f"- `{s['id']}` ({s['split']}): missed {', '.join(s['missed']) or '-'}; "
        f"wrongly raised {', '.join(s['forbidden_raised']) or '-'}"
        for s in errors
    ] or ["None."]
    out = folder / "report.md"
    out.write_text("\n".join(md) + "\n", encoding="utf-8")
    return out


def run(
    split: str = "all", as_json: bool = False, report: str | None = None, parts: Any = None
) -> int:
    """What ``curio eval`` does; returns the exit code. The reviewer is the one ``runtime``
    builds, without guidance search: the scores are of the flags, not their citations."""
    from assistant.runtime import build
    from assistant.settings import get_settings

    if split not in ("all", *SPLITS):
        raise CurioError(f"Unknown split {split!r}: use test, dev, tune or all.")
    parts = (parts or build(get_settings())).without_retriever()
    scenarios = load_scenarios(Path(parts.settings.evals_dir) / "scenarios")
    res = evaluate(parts.reviewer, scenarios, split)
    if report:
        cmd = f"curio eval --split {split} --report {report}"
        path = write_report(res, report, cmd)
        print(f"report written to {path}", file=sys.stderr)
    print(json.dumps(res.to_json(), indent=2) if as_json else render_text(res))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.evaluation", description=__doc__)
    ap.add_argument("--split", default="all", choices=["all", *SPLITS])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--report", default=None)
    args = ap.parse_args(argv)
    try:
        return run(args.split, args.json, args.report)
    except CurioError as exc:
        print(f"curio: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
