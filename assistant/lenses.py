"""The lens catalogue: loaded from ``prompts/lenses.yaml`` and checked at start-up.

The catalogue is data so that practitioners can improve the wording of questions and exemplars
without touching code; the checks here make sure a bad edit fails loudly, with one line saying
what is wrong, instead of silently dropping a lens from every review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import CurioError

#: The fifteen lens ids, a contract shared with the CLI JSON, scenarios and UI (lenses.md).
LENS_IDS: tuple[str, ...] = (
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
)

_TEXT_FIELDS = ("name", "meaning", "looked_for")
#: Fields of the rule-based engine (2026-11); refused so a stale edit does not pass silently.
_RETIRED = frozenset(
    {
        "present_patterns",
        "covered_patterns",
        "mention_patterns",
        "coverage_scope",
        "requires",
        "absent_check",
    }
)

_LIST_FIELDS = ("present_examples", "covered_examples", "questions", "guidance_queries")


@dataclass(frozen=True)
class Lens:
    """One lens: what it means, how it is recognised, and what a supervisor would ask."""

    id: str
    name: str
    meaning: str
    severity: int
    looked_for: str
    present_examples: tuple[str, ...]
    covered_examples: tuple[str, ...]
    questions: tuple[str, ...]
    guidance_queries: tuple[str, ...]
    #: How a flag's reasons say where the text raises the subject, and where it falls short.
    reason_raised: str = "The text raises this"
    reason_shortfall: str = "This reads as falling short"


@dataclass(frozen=True)
class Catalogue:
    version: str
    lenses: dict[str, Lens] = field(default_factory=dict)
    path: Path | None = None

    def __getitem__(self, lens_id: str) -> Lens:
        return self.lenses[lens_id]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.lenses.values())

    def __len__(self) -> int:
        return len(self.lenses)


def default_catalogue_path() -> Path:
    from assistant.settings import get_settings

    return Path(get_settings().prompts_dir) / "lenses.yaml"


def _strings(
    value: Any, where: str, *, min_items: int = 1, max_items: int = 100
) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise CurioError(f"Lens catalogue: {where} must be a list of non-empty strings.")
    for i, x in enumerate(value):
        if not isinstance(x, str) or not x.strip():
            hint = " (a ': ' inside an unquoted item makes YAML read it as a mapping)"
            raise CurioError(
                f"Lens catalogue: {where} item {i + 1} is not a non-empty string"
                + (hint if isinstance(x, dict) else "")
                + "."
            )
    if not min_items <= len(value) <= max_items:
        raise CurioError(
            f"Lens catalogue: {where} must have {min_items}-{max_items} items, has {len(value)}."
        )
    return tuple(x.strip() for x in value)


def parse_catalogue(data: Any, path: Path | None = None) -> Catalogue:
    """Check the raw YAML data and build a Catalogue; raise CurioError on the first problem."""
    if not isinstance(data, dict) or not isinstance(data.get("lenses"), dict):
        raise CurioError("Lens catalogue: expected a mapping with 'version' and 'lenses'.")
    if "version" not in data or not str(data["version"]).strip():
        raise CurioError("Lens catalogue: the 'version' field is missing.")
    raw: dict[str, Any] = data["lenses"]
    unknown = sorted(set(raw) - set(LENS_IDS))
    if unknown:
        raise CurioError(f"Lens catalogue: unknown lens id(s): {', '.join(unknown)}.")
    missing = [i for i in LENS_IDS if i not in raw]
    if missing:
        raise CurioError(f"Lens catalogue: missing lens id(s): {', '.join(missing)}.")
    lenses: dict[str, Lens] = {}
    for lens_id in LENS_IDS:
        entry = raw[lens_id]
        if not isinstance(entry, dict):
            raise CurioError(f"Lens catalogue: {lens_id} must be a mapping.")
        for key in _TEXT_FIELDS:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise CurioError(f"Lens catalogue: {lens_id}.{key} is missing or empty.")
        severity = entry.get("severity", 3)
        if not isinstance(severity, int) or not 1 <= severity <= 5:
            raise CurioError(f"Lens catalogue: {lens_id}.severity must be an integer 1-5.")
        retired = sorted(set(entry) & _RETIRED)
        if retired:
            raise CurioError(
                f"Lens catalogue: {lens_id} has retired field(s) {retired}: the review reads "
                "meaning with a trained model now; put new examples in prompts/training/."
            )
        lists = {
            key: _strings(
                entry.get(key),
                f"{lens_id}.{key}",
                min_items=3 if key == "questions" else 1,
                max_items=6 if key == "questions" else 100,
            )
            for key in _LIST_FIELDS
        }
        reasons = {
            key: " ".join(str(entry[key]).split())
            for key in ("reason_raised", "reason_shortfall")
            if isinstance(entry.get(key), str) and entry[key].strip()
        }
        lenses[lens_id] = Lens(
            id=lens_id,
            name=entry["name"].strip(),
            meaning=" ".join(entry["meaning"].split()),
            severity=severity,
            looked_for=" ".join(entry["looked_for"].split()),
            present_examples=lists["present_examples"],
            covered_examples=lists["covered_examples"],
            questions=lists["questions"],
            guidance_queries=lists["guidance_queries"],
            **reasons,
        )
    return Catalogue(version=str(data["version"]), lenses=lenses, path=path)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Load and validate the catalogue (default: ``prompts/lenses.yaml`` from settings)."""
    p = Path(path) if path is not None else default_catalogue_path()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CurioError(f"Lens catalogue not found at {p}.") from exc
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise CurioError(f"Lens catalogue {p} is not valid YAML: {first}") from exc
    return parse_catalogue(data, p)
