"""Exported checklists hold case text: only the latest per session is kept, none after exit."""

from __future__ import annotations

from pathlib import Path

from assistant.app import CurioApp, SessionState, _discard_all_exports
from assistant.settings import Settings
from assistant.types import Evidence, Flag


def exported_path(result: dict) -> Path:
    update = result["export_file"]
    value = update["value"] if isinstance(update, dict) else update
    return Path(value)


def test_a_new_export_replaces_the_last_and_exit_removes_all(tmp_path: Path) -> None:
    app = CurioApp(Settings(home=tmp_path), curio=None, index=object())
    app.cache_dir = str(tmp_path / "cache")
    Path(app.cache_dir).mkdir()
    state = SessionState()
    flag = Flag(
        lens="child-voice",
        kind="present",
        name="The child's voice",
        evidence=[Evidence(0, 20, "Ruby seemed fine.")],
        questions=["What did Ruby say?"],
    )
    state.checklist[flag.lens] = flag
    first = exported_path(app.export("md", state))
    assert "What did Ruby say?" in first.read_text(encoding="utf-8")
    second = exported_path(app.export("docx", state))
    assert second.exists() and not first.parent.exists()
    other = SessionState(checklist={flag.lens: flag})
    third = exported_path(app.export("md", other))
    assert second.exists() and third.exists()  # sessions do not clear each other's downloads
    _discard_all_exports()
    assert not second.parent.exists() and not third.parent.exists()
