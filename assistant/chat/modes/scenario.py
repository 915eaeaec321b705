"""Scenario mode: a trainer's exercise over the evaluation vignettes.

The trainee picks a vignette, writes the questions and concerns they would raise, and is told
which of the scenario's required lenses they covered (a sentence of theirs close in meaning to
the lens) and which they missed, with a question and guidance for each miss.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer import caveat_notices
from assistant.chat.compose import best_sentence, fill, passage_sentences
from assistant.chat.modes import Mode, register
from assistant.chat.turn import model_answer, passages_block
from assistant.citations import citation_from_json
from assistant.errors import CurioError
from assistant.prompts import data_block
from assistant.types import Answer, Citation

if TYPE_CHECKING:
    from assistant.chat.core import Curio, Session

#: A trainee's sentence covers a lens when it is this similar to one of the lens's questions,
#: its meaning or its guidance queries (cosine, all-MiniLM-L6-v2).
SCENARIO_MATCH = 0.55


@register
class ScenarioMode(Mode):
    name = "scenario"
    prompt = "scenario"
    placeholders = frozenset({"scenario", "message", "covered", "missed", "passages"})
    order = 40

    def turn(
        self, curio: Curio, session: Session, message: str, draft: str | None
    ) -> Iterator[Answer]:
        items = scenarios(curio)
        pick = pick_scenario(message, items)
        if pick is not None:
            session.scenario_id = pick["id"]
            yield Answer(
                text=f"Scenario: {pick['title']}\n\n{pick['text'].strip()}\n\n"
                "Write the questions you would ask and the concerns you would raise."
            )
            return
        if session.scenario_id is None:
            listing = "\n".join(f"{n}. {s['title']} ({s['id']})" for n, s in enumerate(items, 1))
            yield Answer(text="Pick a scenario by its number or id:\n" + listing)
            return
        trainee = draft or message
        report = check_scenario(curio, session.scenario_id, trainee)
        citations: list[Citation] = []
        for miss in report["missed"]:
            for g in miss["guidance"][:1]:
                citations.append(citation_from_json(g))
        offline = lambda: scenario_offline(curio, report, citations)  # noqa: E731
        if curio.llm is None:
            yield offline()
            return
        scenario = find_scenario(curio, session.scenario_id)
        prompt = curio.prompts.render(
            "scenario",
            scenario=data_block("vignette", scenario["text"]),
            message=data_block("trainee", trainee),
            covered=", ".join(c["name"] for c in report["covered"]) or "none",
            missed=", ".join(m["name"] for m in report["missed"]) or "none",
            passages=passages_block(citations),
        )
        yield from model_answer(curio, session, prompt, citations, offline, user_texts=[trainee])


def scenarios(curio: Curio) -> list[dict[str, Any]]:
    """The evaluation scenarios a trainer can pick from (read once per ``Curio``)."""
    if curio.scenario_list is None:
        from assistant.evaluation import load_scenarios

        folder = Path(curio.settings.evals_dir) / "scenarios"
        curio.scenario_list = [
            {
                "id": s.id,
                "title": s.title,
                "text": s.text,
                "required": list(s.required),
                "forbidden": list(s.forbidden),
                "split": s.split,
            }
            for s in load_scenarios(folder)
        ]
    return list(curio.scenario_list)


def find_scenario(curio: Curio, scenario_id: str) -> dict[str, Any]:
    for s in scenarios(curio):
        if s["id"] == scenario_id:
            return s
    raise CurioError(f"No scenario called {scenario_id!r}: pick one from the list.")


def pick_scenario(message: str, items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The scenario a message names: by number ("2", "scenario 2"), id or title."""
    text = message.strip().lower()
    m = re.fullmatch(r"(?:scenario\s*)?#?(\d+)", text)
    if m and 1 <= int(m.group(1)) <= len(items):
        return items[int(m.group(1)) - 1]
    for s in items:
        if text in (s["id"].lower(), f"scenario {s['id'].lower()}", s["title"].lower()):
            return s
    return None


def lens_matrix(curio: Curio) -> tuple[list[str], np.ndarray]:
    """One row per lens exemplar (its questions, meaning and guidance queries), cached."""
    if curio.lens_vectors is None:
        owners: list[str] = []
        texts: list[str] = []
        for lens in curio.catalogue:
            for t in (lens.meaning, *lens.questions, *lens.guidance_queries):
                owners.append(lens.id)
                texts.append(fill(t))
        curio.lens_vectors = (owners, np.asarray(curio.embedder.encode(texts)))
    return curio.lens_vectors


def check_scenario(curio: Curio, scenario_id: str, trainee_text: str) -> dict[str, Any]:
    """Which of the scenario's required lenses the trainee's questions covered or missed."""
    scenario = find_scenario(curio, scenario_id)
    if not (trainee_text or "").strip():
        raise CurioError("Write the questions or concerns you would raise first.")
    sentences = [s for s in passage_sentences(trainee_text) if len(s) >= 8] or [trainee_text]
    owners, matrix = lens_matrix(curio)
    sims = np.asarray(curio.embedder.encode(sentences)) @ matrix.T
    best: dict[str, tuple[float, str]] = {}
    for j, lens_id in enumerate(owners):
        i = int(np.argmax(sims[:, j]))
        if sims[i, j] > best.get(lens_id, (-1.0, ""))[0]:
            best[lens_id] = (float(sims[i, j]), sentences[i])
    raised = {lid for lid, (s, _) in best.items() if s >= SCENARIO_MATCH}
    covered, missed = [], []
    for lens_id in scenario["required"]:
        lens = curio.lens(lens_id)
        name = lens.name if lens else lens_id
        if lens_id in raised:
            covered.append({"lens": lens_id, "name": name, "matched": best[lens_id][1]})
            continue
        cites: list[Citation] = []
        if lens is not None and getattr(curio.reviewer, "citations_for", None):
            cites = list(curio.reviewer.citations_for(lens))[:2]
        if not cites and lens is not None:
            hits = curio.retriever.search(lens.guidance_queries[0], k=2, prefer_lens=lens_id)
            cites = [Citation.from_hit(h) for h in hits]
        missed.append(
            {
                "lens": lens_id,
                "name": name,
                "meaning": lens.meaning if lens else "",
                "questions": [fill(q) for q in lens.questions[:2]] if lens else [],
                "guidance": [c.to_json() for c in cites],
            }
        )
    extra = sorted(raised - set(scenario["required"]))
    return {
        "scenario": scenario_id,
        "title": scenario["title"],
        "required": list(scenario["required"]),
        "covered": covered,
        "missed": missed,
        "also_raised": extra,
    }


def scenario_offline(curio: Curio, report: dict[str, Any], citations: list[Citation]) -> Answer:
    req = len(report["required"])
    lines = [f"You covered {len(report['covered'])} of the {req} lenses this scenario calls for."]
    for c in report["covered"]:
        lines.append(f'- Covered: {c["name"]} (for example: "{c["matched"]}")')
    k = 0
    for miss in report["missed"]:
        lines.append(f"- Missed: {miss['name']}. {miss['meaning']}")
        for q in miss["questions"][:1]:
            lines.append(f"  A question you could ask: {q}")
        if miss["guidance"]:
            k += 1
            c = citations[k - 1]
            gist = best_sentence(curio.embedder, miss["meaning"], c.text)
            lines.append(f"  Guidance: {gist} [{k}]")
    if report["also_raised"]:
        names = ", ".join(
            (lens.name if (lens := curio.lens(x)) else x) for x in report["also_raised"]
        )
        lines.append(f"You also raised: {names}.")
    return Answer(text="\n".join(lines), citations=citations, notices=caveat_notices(citations))
