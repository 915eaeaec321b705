"""The lens model: training data, deterministic training, the cache (damaged or stale files are
rebuilt), and the real trained model on invented texts. Uses the real base model throughout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embed import BUNDLED_SHA256, bundled_model_path
from assistant.errors import CurioError
from assistant.evaluation import load_scenarios
from assistant.lenses import LENS_IDS
from assistant.review import build_reviewer
from assistant.review.build import Sources, load_or_train
from assistant.review.data import build_training_set, load_texts, targets_for, units_for
from assistant.review.model import STATES, TrainingConfig
from assistant.review.text import split_sentences
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.integration

TINY = """
- id: T-1
  register: duty-note
  quality: flawed
  required: [perpetrator-absence-plan]
  forbidden: []
  text: |
    DUTY NOTE
    F moved out last week. Case to close as F no longer in household.
  labels:
    - quote: "F moved out last week."
      mention: [perpetrator-absence-plan]
    - quote: "Case to close as F no longer in household."
      shortfall: [perpetrator-absence-plan]
- id: T-2
  register: not-family
  quality: not-family
  required: []
  forbidden: [consent]
  text: |
    Team meeting agenda. Item 1: apologies. Item 2: the new MARAC referral form.
  labels: []
"""
SMALL = TrainingConfig(trained_layers=1, epochs=1, batch_size=4)


def tiny_sources(tmp_path: Path) -> Sources:
    folder = tmp_path / "training"
    folder.mkdir(exist_ok=True)
    (folder / "tiny.yaml").write_text(TINY, encoding="utf-8")
    return Sources(bundled_model_path(), BUNDLED_SHA256, folder, ())


def test_labels_mark_the_sentences_they_quote(tmp_path: Path) -> None:
    texts = load_texts(tiny_sources(tmp_path).training_dir, LENS_IDS)
    lt = texts[0]
    sentences = split_sentences(lt.text)
    y = targets_for(lt, sentences, LENS_IDS)
    j = LENS_IDS.index("perpetrator-absence-plan")
    states = [STATES[v] for v in y[:, j]]
    assert states == ["neither", "mention", "shortfall"]
    units = units_for(lt.text, sentences)
    assert units[2].heading == "DUTY NOTE" and units[2].before == "F moved out last week."


def test_a_label_quote_not_in_its_text_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        TINY.replace('quote: "F moved out last week."', 'quote: "not there"'), encoding="utf-8"
    )
    with pytest.raises(CurioError, match="T-1 has a label quote not in its text"):
        load_texts(folder, LENS_IDS)


def test_training_is_deterministic_and_cached_and_a_damaged_cache_is_rebuilt(
    tmp_path: Path,
) -> None:
    import assistant.review.build as build

    sources = tiny_sources(tmp_path)
    said: list[str] = []
    cache = tmp_path / "cache"
    first = load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    files = list(cache.glob("lens-model-*.safetensors"))
    assert len(files) == 1 and any("training the review model" in s for s in said)
    units = units_for("F moved out. Case to close.")
    before = first.read(units).probs
    # a new process (the in-process copy forgotten) loads the same weights from disk
    build._loaded.clear()
    said.clear()
    again = load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    assert said == []
    np.testing.assert_allclose(again.read(units).probs, before, atol=1e-6)
    # damaged: reported in one line and rebuilt, with the same result (training is deterministic)
    files[0].write_bytes(b"not a model")
    build._loaded.clear()
    rebuilt = load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    assert any("is unreadable" in s and "rebuilding" in s for s in said)
    np.testing.assert_allclose(rebuilt.read(units).probs, before, atol=1e-5)
    # other data: a new key, a new file; the earlier one is kept too (switching back is free)
    (sources.training_dir / "tiny.yaml").write_text(
        TINY.replace("last week", "last month"), encoding="utf-8"
    )
    build._loaded.clear()
    load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    now = list(cache.glob("lens-model-*.safetensors"))
    assert len(now) == 2 and set(files) < set(now)


def test_the_cache_keeps_the_newest_few_files_of_a_kind(tmp_path: Path) -> None:
    import os

    from assistant.review.build import KEEP_PER_KIND, _keep

    for i in range(5):
        old = tmp_path / f"lens-model-{i}.safetensors"
        old.write_bytes(b"x")
        os.utime(old, (1000 + i, 1000 + i))
    (tmp_path / "lens-doc-0.safetensors").write_bytes(b"x")  # another kind: untouched
    new = tmp_path / "lens-model-new.safetensors"
    _keep(tmp_path, new, "lens-model-", print, lambda target: target.write_bytes(b"y"))
    kept = sorted(p.name for p in tmp_path.glob("lens-model-*.safetensors"))
    assert len(kept) == KEEP_PER_KIND
    assert kept == sorted(
        ["lens-model-new.safetensors", "lens-model-4.safetensors", "lens-model-3.safetensors"][
            :KEEP_PER_KIND
        ]
    )
    assert (tmp_path / "lens-doc-0.safetensors").exists()


def test_a_corpus_edit_refits_only_the_family_classifier(tmp_path: Path) -> None:
    """The guidance corpus feeds the small "about a family?" classifier alone, so editing a
    guidance section must not start the minutes-long lens-model training again."""
    import dataclasses

    import assistant.review.build as build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    section = "## Fathers\n" + "Guidance asks practitioners to assess every adult in the home. " * 8
    (corpus / "a.md").write_text("# A\n" + section, encoding="utf-8")
    sources = dataclasses.replace(tiny_sources(tmp_path), corpus_dir=corpus)
    cache = tmp_path / "cache"
    said: list[str] = []
    load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    model_files = sorted(cache.glob("lens-model-*.safetensors"))
    doc_files = sorted(cache.glob("lens-doc-*.safetensors"))
    assert len(model_files) == 1 and len(doc_files) == 1
    (corpus / "a.md").write_text("# A\n" + section.replace("every", "each"), encoding="utf-8")
    build._loaded.clear()
    said.clear()
    again = load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    assert not any("training the review model" in s for s in said)
    assert sorted(cache.glob("lens-model-*.safetensors")) == model_files
    new_doc = sorted(cache.glob("lens-doc-*.safetensors"))
    assert len(new_doc) == 2 and set(doc_files) < set(new_doc)  # the earlier one kept too
    assert 0.0 <= again.read(units_for("F moved out. Case to close.")).about_family <= 1.0


def test_training_and_evaluation_texts_never_overlap() -> None:
    training = load_texts(REPO_ROOT / "prompts" / "training", LENS_IDS)
    assert len(training) >= 400
    seen = {" ".join(t.text.split())[:300] for t in training}
    for sc in load_scenarios(REPO_ROOT / "evals" / "scenarios"):
        assert " ".join(sc.text.split())[:300] not in seen, sc.id


def test_the_training_set_has_every_lens_in_every_state() -> None:
    ts = build_training_set(REPO_ROOT / "prompts" / "training", (), LENS_IDS)
    assert len(ts.units) >= 4000
    for j, lens in enumerate(LENS_IDS):
        counts = np.bincount(ts.targets[:, j], minlength=4)
        assert (counts[1:] >= 20).all(), (lens, counts)


# --- the real trained model -------------------------------------------------------------------


@pytest.fixture(scope="module")
def reviewer():  # type: ignore[no-untyped-def]
    return build_reviewer()


def test_a_plan_resting_on_his_absence_is_flagged_with_its_chain(reviewer) -> None:  # type: ignore[no-untyped-def]
    text = (REPO_ROOT / "docs" / "examples" / "pearce-assessment.txt").read_text(encoding="utf-8")
    res = reviewer.review(text)
    lenses = {f.lens: f for f in res.flags}
    assert "perpetrator-absence-plan" in lenses
    flag = lenses["perpetrator-absence-plan"]
    assert flag.evidence and flag.reasons
    for e in flag.evidence:
        assert text[e.start : e.end] == e.text


def test_texts_about_no_family_raise_nothing(reviewer) -> None:  # type: ignore[no-untyped-def]
    agenda = (
        "Safeguarding team meeting, Thursday 10am, room 4.\n"
        "1. Apologies.\n2. Minutes of the last meeting.\n"
        "3. Update on the new MARAC referral form and the DASH refresher training.\n"
        "4. Audit findings: fathers are not always seen in assessments; practitioners are "
        "reminded to complete police checks on new partners.\n5. Any other business."
    )
    res = reviewer.review(agenda)
    assert res.flags == [] and not res.is_case_material


def test_an_unusable_cache_folder_is_one_clear_line(tmp_path: Path) -> None:
    import assistant.review.build as build

    build._loaded.clear()  # a model held in this process would never touch the folder
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(CurioError, match="cannot be used.*CURIO_CACHE") as exc:
        load_or_train(tiny_sources(tmp_path), LENS_IDS, blocker / "cache", config=SMALL)
    assert "\n" not in str(exc.value)
