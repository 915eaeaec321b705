"""The one list of words that are not names (prompts/not_names.yaml): checked when loaded, and
read by the review's questions, the case file and `curio ask` alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.errors import CurioError
from assistant.not_names import READERS, load_not_names
from assistant.settings import REPO_ROOT

PROMPTS = REPO_ROOT / "prompts"


def test_every_reader_gets_the_shared_words_and_its_own() -> None:
    lists = {r: load_not_names(r, PROMPTS) for r in READERS}
    for words in lists.values():
        assert {"The", "Mother", "Police"} <= words
        assert "Kayden" not in words
    assert "What" in lists["ask"] and "What" not in lists["review"]  # a question word
    assert "Tuesday" in lists["case_file"] and "Tuesday" in lists["review"]


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS, folder, ignore=shutil.ignore_patterns("training"))
    return folder


def test_the_case_file_and_ask_read_the_same_file(prompts: Path) -> None:
    from assistant.ask_rules import load_ask_rules
    from assistant.casefile import load_cues

    path = prompts / "not_names.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("readers: [case_file, ask]", "readers: [review]"), "utf-8")
    assert "Ofsted" not in load_ask_rules(prompts).not_names
    assert "Ofsted" not in load_cues(prompts / "casefile.yaml").not_names
    assert "Ofsted" in load_not_names("review", prompts)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("[The, A,", "[The, The, A,"), "'The' is listed twice"),
        (('None, "Yes",', "None, Yes,"), 'quote words like "Yes"'),
        (("[review, case_file, ask]", "[review, triage]"), "needs `readers:`"),
        (("[The, A,", "[the, A,"), "'the', not one capitalised word"),
        (("groups:", "group:"), "must have `groups:`"),
    ],
)
def test_a_bad_edit_is_one_line(prompts: Path, edit: tuple[str, str], words: str) -> None:
    path = prompts / "not_names.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(*edit, 1), "utf-8")
    with pytest.raises(CurioError) as err:
        load_not_names("review", prompts)
    assert words in err.value.message and "\n" not in err.value.message


def test_a_missing_list_stops_the_ask_rules(prompts: Path) -> None:
    from assistant.ask_rules import load_ask_rules

    (prompts / "not_names.yaml").unlink()
    with pytest.raises(CurioError, match="not_names.yaml is missing"):
        load_ask_rules(prompts)
