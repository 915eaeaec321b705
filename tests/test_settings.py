"""Settings: the README's configuration table is generated from the code and must match it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import REPO_ROOT, Settings, settings_reference


def readme_table() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", text, re.S)
    assert match, "README.md lost its settings markers"
    return match.group(1).strip()


def test_readme_lists_every_setting_exactly() -> None:
    assert readme_table() == settings_reference().strip(), (
        "README's configuration table is out of date: run `make docs`"
    )


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description"


def test_environment_variables_configure_curio(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CURIO_HOME", str(tmp_path))
    monkeypatch.setenv("CURIO_K", "7")
    settings = Settings()
    assert settings.k == 7
    assert settings.index_dir == tmp_path / "index"
    assert settings.audit_path == tmp_path / "audit.jsonl"


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURIO_PORT", "99999")
    with pytest.raises(ValidationError):
        Settings()


def test_curio_k_sets_how_many_passages_search_returns(
    monkeypatch: pytest.MonkeyPatch,
    corpus_index: object,
    corpus_settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from assistant.cli import main
    from assistant.settings import get_settings

    monkeypatch.setenv("CURIO_K", "2")
    get_settings.cache_clear()
    try:
        index = str(corpus_settings.index_dir)
        assert main(["search", "MARAC threshold", "--index", index, "--json"]) == 0
        assert len(json.loads(capsys.readouterr().out)["hits"]) == 2
        assert main(["search", "MARAC threshold", "--index", index, "--json", "--k", "3"]) == 0
        assert len(json.loads(capsys.readouterr().out)["hits"]) == 3
    finally:
        get_settings.cache_clear()
