"""The lens catalogue is a contract: every id present, nothing unknown, nothing empty."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from assistant.errors import CurioError
from assistant.lenses import LENS_IDS, load_catalogue, parse_catalogue

CATALOGUE = Path(__file__).resolve().parent.parent / "prompts" / "lenses.yaml"


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def test_lens_ids_are_the_fifteen_contract_ids() -> None:
    assert len(LENS_IDS) == 15
    assert len(set(LENS_IDS)) == 15


def test_catalogue_has_exactly_the_contract_ids() -> None:
    cat = load_catalogue(CATALOGUE)
    assert tuple(cat.lenses) == LENS_IDS
    assert cat.version


def test_every_lens_is_complete() -> None:
    for lens in load_catalogue(CATALOGUE):
        assert lens.name and lens.meaning and lens.looked_for
        assert 3 <= len(lens.questions) <= 6
        assert lens.present_examples and lens.covered_examples and lens.guidance_queries
        assert all(q.endswith("?") for q in lens.questions), lens.id


def test_questions_read_well_without_names() -> None:
    from assistant.review import fill_question

    for lens in load_catalogue(CATALOGUE):
        for q in lens.questions:
            filled = fill_question(q, {})
            assert "{" not in filled and "}" not in filled and "|" not in filled


def test_missing_lens_is_a_one_line_error(raw: dict) -> None:
    data = copy.deepcopy(raw)
    del data["lenses"]["consent"]
    with pytest.raises(CurioError, match="missing lens id.*consent") as exc:
        parse_catalogue(data)
    assert "\n" not in str(exc.value)


def test_unknown_lens_is_refused(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["lenses"]["made-up"] = data["lenses"]["consent"]
    with pytest.raises(CurioError, match="unknown lens id.*made-up"):
        parse_catalogue(data)


@pytest.mark.parametrize("field", ["name", "meaning", "looked_for"])
def test_empty_text_field_is_refused(raw: dict, field: str) -> None:
    data = copy.deepcopy(raw)
    data["lenses"]["neglect"][field] = "  "
    with pytest.raises(CurioError, match=f"neglect.{field}"):
        parse_catalogue(data)


def test_too_few_questions_and_retired_rule_fields_are_refused(raw: dict) -> None:
    data = copy.deepcopy(raw)
    data["lenses"]["neglect"]["questions"] = ["Only one?"]
    with pytest.raises(CurioError, match="neglect.questions"):
        parse_catalogue(data)
    data = copy.deepcopy(raw)
    data["lenses"]["neglect"]["present_patterns"] = ["home conditions"]
    with pytest.raises(CurioError, match="retired field.*present_patterns.*prompts/training"):
        parse_catalogue(data)


def test_missing_version_is_refused(raw: dict) -> None:
    data = copy.deepcopy(raw)
    del data["version"]
    with pytest.raises(CurioError, match="version"):
        parse_catalogue(data)


def test_yaml_colon_mistake_gets_a_hint(tmp_path: Path, raw: dict) -> None:
    text = CATALOGUE.read_text(encoding="utf-8").replace(
        "      - Where is {adult|the adult} living now, and how do we know?",
        "      - Where is he living now: and how do we know?",
    )
    bad = tmp_path / "lenses.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CurioError, match="mapping"):
        load_catalogue(bad)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CurioError, match="not found"):
        load_catalogue(tmp_path / "nope.yaml")
