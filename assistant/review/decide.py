"""From sentence readings to lens flags, with the chain of reasons behind each flag.

The lens model reads every sentence; this module reads the whole text. For each lens:

- **present**: a sentence reads as falling short (p(shortfall) >= ``present``) and nothing in
  the text covers the ground strongly (p(coverage) >= ``excuse`` anywhere);
- **absent**: the lens is in play (a sentence raises its subject, p(not neither) >=
  ``relevant``, and any exact-fact gate holds: a baby or pregnancy for the infant lens, a child
  of 10 or over for exploitation), yet nothing covers it (p(coverage) < ``cover``) and no
  sentence falls short;
- a **thorough** text, one that covers ``thorough_lenses`` or more lenses, or at least
  ``thorough_share`` of the lenses in play in it (p(not neither) >= ``thorough_relevant``),
  raises no absent flags: what the model looks for in one set of words is likely there in
  others. The share lets a short, careful note (a referral that handles the four things it
  raises) count as thorough without having to cover seven lenses.

The thresholds are data (``prompts/review.yaml``), chosen on development texts by
``evals/tune_review.py``, never on the test split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from assistant.errors import CurioError
from assistant.lenses import LENS_IDS

NEITHER, MENTION, SHORTFALL, COVERAGE = range(4)
CASE_MODES = ("off", "always", "unless-thorough")


@dataclass(frozen=True)
class LensThresholds:
    present: float = 0.5
    cover: float = 0.5
    relevant: float = 0.5
    excuse: float = 0.95


@dataclass(frozen=True)
class DecisionParams:
    lenses: dict[str, LensThresholds] = field(default_factory=dict)
    thorough_lenses: int = 6
    thorough_cover: float = 0.5
    #: Share of the lenses in play that, covered, also makes a text thorough (above 1: never).
    thorough_share: float = 1.01
    thorough_relevant: float = 0.5
    #: A text is read as case material when the model's "about a family" probability is at
    #: least this.
    case_material: float = 0.5
    #: Ask the case model whether the adult causing the harm was ever seen or checked, when
    #: the lens model raises nothing for perpetrator-invisible (see engine.Reviewer): "off",
    #: "always", or "unless-thorough" (not for a text that covers many lenses).
    case_model_unseen: str = "unless-thorough"
    #: The learned judge's threshold maximises recall - judge_weight * forbidden-hit (see
    #: judge.py); the judge is fitted with it.
    judge_weight: float = 2.0
    #: A lens the judge raises is kept only when some sentence raises it at least this much
    #: (or a sentence falls short on it): no "missing" question on ground the text never nears.
    judge_floor: float = 0.05
    #: Words for a member of a family ("children", "the victim", "partner"). A text that the
    #: lens model reads as about a family, but in which the case model finds nobody except
    #: professionals and none of these words appear (a staff e-mail about the car park), is
    #: not case material. Empty: no such check (unit tests' small fakes).
    family_words: str = ""
    #: Words that address an AI tool rather than describe a case ("ignore your instructions").
    #: A sentence with them is left out of the lens model's reading, so an instruction hidden
    #: in a draft cannot move the judge. Empty: none left out.
    addressed_to_tool: str = ""

    def for_lens(self, lens: str) -> LensThresholds:
        return self.lenses.get(lens, LensThresholds())


def load_params(path: Path) -> DecisionParams:
    """Load and check the decision thresholds; one line on the first problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise CurioError(f"Review thresholds not found at {path}.") from exc
    except yaml.YAMLError as exc:
        raise CurioError(f"Review thresholds {path} are not valid YAML.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("lenses", {}), dict):
        raise CurioError(f"Review thresholds {path}: expected a mapping with 'lenses'.")
    lenses: dict[str, LensThresholds] = {}
    for lens, values in (data.get("lenses") or {}).items():
        if lens not in LENS_IDS:
            raise CurioError(f"Review thresholds {path}: unknown lens id {lens}.")
        try:
            t = LensThresholds(**{k: float(v) for k, v in (values or {}).items()})
        except (TypeError, ValueError) as exc:
            raise CurioError(f"Review thresholds {path}: bad values for {lens}.") from exc
        for name in ("present", "cover", "relevant", "excuse"):
            if not 0.0 <= getattr(t, name) <= 1.0:
                raise CurioError(f"Review thresholds {path}: {lens}.{name} must be 0..1.")
        lenses[lens] = t
    try:
        params = DecisionParams(
            lenses=lenses,
            thorough_lenses=int(data.get("thorough_lenses", 6)),
            thorough_cover=float(data.get("thorough_cover", 0.5)),
            thorough_share=float(data.get("thorough_share", 1.01)),
            thorough_relevant=float(data.get("thorough_relevant", 0.5)),
            case_material=float(data.get("case_material", 0.5)),
            case_model_unseen=str(data.get("case_model_unseen", "unless-thorough")),
            judge_weight=float(data.get("judge_weight", 2.0)),
            judge_floor=float(data.get("judge_floor", 0.05)),
            family_words=str(data.get("family_words") or ""),
            addressed_to_tool=str(data.get("addressed_to_tool") or ""),
        )
    except (TypeError, ValueError) as exc:
        raise CurioError(f"Review thresholds {path}: bad global values.") from exc
    if not 0.0 < params.thorough_share <= 1.01 or not 0.0 <= params.thorough_relevant <= 1.0:
        raise CurioError(
            f"Review thresholds {path}: thorough_share must be above 0 and at most 1.01 "
            "(1.01: never), thorough_relevant 0..1."
        )
    if not 0.0 <= params.judge_floor < 1.0:
        raise CurioError(f"Review thresholds {path}: judge_floor must be 0 or more and below 1.")
    if not 0.0 < params.judge_weight <= 20.0:
        raise CurioError(f"Review thresholds {path}: judge_weight must be above 0 and at most 20.")
    try:
        re.compile(params.family_words)
    except re.error as exc:
        raise CurioError(f"Review thresholds {path}: family_words is not a valid pattern.") from exc
    try:
        re.compile(params.addressed_to_tool)
    except re.error as exc:
        raise CurioError(
            f"Review thresholds {path}: addressed_to_tool is not a valid pattern."
        ) from exc
    if params.case_model_unseen not in CASE_MODES:
        raise CurioError(
            f"Review thresholds {path}: case_model_unseen must be one of {', '.join(CASE_MODES)}."
        )
    return params


@dataclass
class LensReading:
    """What the model found for one lens in one text; the decision and its evidence."""

    lens: str
    kind: str | None  # "present", "absent" or None
    shortfall: list[int]  # sentence indices read as falling short, strongest first
    raised_by: int | None  # the sentence that best raises the subject (mention or shortfall)
    covered_by: int | None  # the sentence that best covers the ground
    score: float
    best_shortfall: float
    best_cover: float
    relevance: float
    #: (start, end) spans in the text to show when no sentence raised the lens (set by the
    #: reviewer when the case model, not the lens model, found the gap)
    evidence_hint: list[tuple[int, int]] = field(default_factory=list)
    #: sentences that read as falling short (at the lens's ``present`` threshold), whatever
    #: the decision: the evidence when the learned judge raises the lens
    candidates: list[int] = field(default_factory=list)


def read_lens(
    probs: np.ndarray, lens_index: int, lens: str, t: LensThresholds, gate: bool, thorough: bool
) -> LensReading:
    """Decide one lens from the sentence probabilities ``probs`` (n_sentences, n_lenses, 4)."""
    p = probs[:, lens_index, :]
    if len(p) == 0:
        return LensReading(lens, None, [], None, None, 0.0, 0.0, 0.0, 0.0)
    s, c = p[:, SHORTFALL], p[:, COVERAGE]
    touched = 1.0 - p[:, NEITHER]
    best_s, best_c, rel = float(s.max()), float(c.max()), float(touched.max())
    raised = int(np.argmax(p[:, MENTION] + s))
    covered = int(np.argmax(c)) if best_c >= t.cover else None
    short = [int(i) for i in np.argsort(-s) if s[i] >= t.present and s[i] > c[i]]
    kind: str | None = None
    score = 0.0
    if not gate:
        kind = None
    elif short and best_c < t.excuse:
        kind, score = "present", float(s[short[0]])
    elif not short and not thorough and best_c < t.cover and rel >= t.relevant:
        kind, score = "absent", rel * (1.0 - best_c)
    return LensReading(
        lens=lens,
        kind=kind,
        shortfall=short[:3] if kind == "present" else [],
        raised_by=raised if rel >= t.relevant else None,
        covered_by=covered,
        score=score,
        best_shortfall=best_s,
        best_cover=best_c,
        relevance=rel,
        candidates=short[:3],
    )


def is_thorough(probs: np.ndarray, params: DecisionParams) -> bool:
    """Coverage found for ``thorough_lenses`` or more lenses, or for ``thorough_share`` of the
    lenses in play."""
    if len(probs) == 0:
        return False
    return bool(
        thorough_rows(
            probs[:, :, COVERAGE].max(axis=0)[None, :],
            (1.0 - probs[:, :, NEITHER]).max(axis=0)[None, :],
            params.thorough_lenses,
            params.thorough_cover,
            params.thorough_share,
            params.thorough_relevant,
        )[0]
    )


def thorough_rows(
    cover: np.ndarray, relevance: np.ndarray, lenses: int, at: float, share: float, relevant: float
) -> np.ndarray:
    """For each row (a text's best coverage and relevance per lens), whether it is thorough;
    the one rule, shared with the threshold search (evals/tune_review.py)."""
    covered = (cover >= at).sum(axis=1)
    in_play = np.maximum(1, (relevance >= relevant).sum(axis=1))
    return (covered >= lenses) | (covered / in_play >= share)


def apply_judgement(
    readings: Sequence[LensReading],
    raised: np.ndarray,
    scores: np.ndarray,
    floor: float = 0.0,
    unpointed: frozenset[str] = frozenset(),
) -> None:
    """Let the learned judge (``judge.py``) decide each lens; the readings keep choosing the
    evidence: a raised lens with sentences that fall short is "present", else "absent"
    (missing). A lens nothing in the text touches (no sentence raises it with probability
    ``floor`` or more: consent, in a note that never comes near it) is dropped, unless it is in
    ``unpointed`` (the abusive adult nobody saw: the case model points at him). Held out split
    by split, a floor of 0.05 kept recall (0.944) and took forbidden hits from 36 to 35 of
    1,082; the per-lens ``relevant`` thresholds as the floor cost 1.4 points of recall and made
    the review fragile (a sentence added elsewhere moved a lens across it)."""
    for r, up, score in zip(readings, raised, scores, strict=True):
        if up and r.candidates:
            r.kind, r.shortfall, r.score = "present", list(r.candidates), float(score)
        elif up and (r.relevance >= floor or r.lens in unpointed):
            r.kind, r.shortfall, r.score = "absent", [], float(score)
        else:
            r.kind, r.shortfall, r.score = None, [], 0.0


def read_text(
    probs: np.ndarray,
    lenses: Sequence[str],
    params: DecisionParams,
    gates: dict[str, bool],
) -> list[LensReading]:
    """Every lens's reading for one text."""
    thorough = is_thorough(probs, params)
    return [
        read_lens(probs, i, lens, params.for_lens(lens), gates.get(lens, True), thorough)
        for i, lens in enumerate(lenses)
    ]
