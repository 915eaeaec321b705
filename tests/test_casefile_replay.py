"""The replay scorer (evals/casefile/replay.py): answers written beforehand stand only for the
prompt they answered, and run through the same code as the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from evals.casefile import replay

TEXT = (
    "Home visit 04/02/2025 re Tyler (5). Seen his mother Chloe Marsh at home with Tyler.\n"
    "Police checks on her partner Ryan Doyle came back 06/02/2025: two call-outs in 2023.\n"
)
ITEM = {
    "id": "rp01",
    "split": "tune",
    "text": TEXT,
    "people": [
        {"name": "Tyler", "role": "child", "seen": False, "seen_alone": False, "checks": []},
        {"name": "Chloe Marsh", "role": "mother", "seen": True, "seen_alone": False, "checks": []},
        {
            "name": "Ryan Doyle",
            "role": "partner",
            "seen": False,
            "seen_alone": False,
            "checks": ["police"],
        },
    ],
    "events": [],
}


def test_replayed_answers_are_scored_and_stale_ones_are_not(tmp_path: Path) -> None:
    data, prompts_dir = tmp_path / "data", tmp_path / "prompts"
    data.mkdir()
    (data / "tune-rp.yaml").write_text(yaml.safe_dump([ITEM]), "utf-8")
    assert replay.write_prompts("tune", prompts_dir, data) == 1
    prompt = (prompts_dir / "rp01.txt").read_text("utf-8")
    assert "Chloe" not in prompt.split("<<<DATA")[1]  # redacted, as for a remote model
    # an answer that says no one was seen or checked: wrong on both adults the labels give
    ids = [line.split(":")[0] for line in prompt.splitlines() if line.startswith("A")]
    answer = {"people": [{"id": i, "seen": False, "checks": []} for i in ids if i[1:].isdigit()]}
    (prompts_dir / "rp01.json").write_text(json.dumps(answer), "utf-8")
    stored = tmp_path / "answers.yaml"
    assert replay.collect(prompts_dir, stored) == 1
    offline, with_model, counts = replay.score("tune", stored, data)
    assert counts["answered"] == 1 and counts["stale"] == 0 and counts["adults_read"] >= 2
    assert with_model.status_right < offline.status_right
    # the same answers for a prompt that has changed are not scored
    rows = yaml.safe_load(stored.read_text("utf-8"))
    rows[0]["prompt"] = "0" * 16
    stored.write_text(yaml.safe_dump(rows), "utf-8")
    offline2, with_model2, counts2 = replay.score("tune", stored, data)
    assert counts2["stale"] == 1 and counts2["answered"] == 0
    assert with_model2.status_right == offline2.status_right == offline.status_right
