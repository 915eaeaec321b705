"""Every path, port and host a user can type: one line naming the setting, exit 2, nothing lost.

The rows of the "Settings, paths and flags" table in docs/bad-input-matrix.md. Each runs the
real ``curio`` entry point (in-process; three also as a real process) in a sandbox folder that
holds a file where a folder is expected, an unwritable place and a working index. Afterwards
every file that was in the sandbox is byte for byte as it was, and no file was added: a
refused setting neither half-builds an index nor writes an audit line.

"Unwritable" is a folder with no write permission, or, when the tests run as root (who may
write anywhere on an ordinary disk), a path under /sys, where even root cannot make a folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import auth
from assistant.cli import main
from assistant.embed import Embedder
from assistant.index import Index
from assistant.settings import REPO_ROOT, Settings, get_settings

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"


@dataclass
class Sandbox:
    root: Path
    afile: Path  # a file where a folder is expected
    unwritable: Path  # a folder Curio may not make anything in
    index: Path  # a working index with two invented documents
    home: Path  # an empty, writable home
    users: Path  # a valid auth file
    draft: Path


def _unwritable(root: Path) -> Path:
    if os.geteuid() == 0:
        return Path("/sys/curio-test-unwritable")
    ro = root / "read-only"
    ro.mkdir()
    ro.chmod(0o555)
    return ro


@pytest.fixture(scope="module")
def sandbox(
    tmp_path_factory: pytest.TempPathFactory,
    make_settings: Callable[..., Settings],
    embedder: Embedder,
) -> Iterator[Sandbox]:
    root = tmp_path_factory.mktemp("bad-settings")
    afile = root / "afile"
    afile.write_text("a file, not a folder\n", encoding="utf-8")
    docs = root / "docs"
    docs.mkdir()
    (docs / "handover.md").write_text(
        "# Invented handover guidance\n\n## Contact\n\nHandovers happen at the contact centre.\n",
        encoding="utf-8",
    )
    index_settings = make_settings(index=root / "index")
    Index(index_settings, embedder).ingest([docs])
    users = root / "users"
    auth.add_user(users, "sam", PASSWORD)
    draft = root / "draft.txt"
    draft.write_text(
        "Invented draft. Mr Birch has moved out so the risk to Ellie (4) is now low.\n",
        encoding="utf-8",
    )
    home = root / "home"
    home.mkdir()
    box = Sandbox(root, afile, _unwritable(root), root / "index", home, users, draft)
    yield box
    if box.unwritable.is_relative_to(root):
        box.unwritable.chmod(0o755)


def snapshot(root: Path) -> dict[str, str]:
    """Every regular file under root, with a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# id -> (environment, argv, words the one line must hold). Paths use {afile}, {unwritable},
# {index}, {home}, {users}, {draft} and {root} from the sandbox.
ROWS: dict[str, tuple[dict[str, str], list[str], str]] = {
    "home-under-a-file": ({"CURIO_HOME": "{afile}/home"}, ["search", "x"], "CURIO_HOME is"),
    "home-is-a-file": ({"CURIO_HOME": "{afile}"}, ["search", "x"], "which is a file, not a folder"),
    "home-unwritable": (
        {"CURIO_HOME": "{unwritable}/home"},
        ["search", "x"],
        "cannot make that folder",
    ),
    "home-under-a-file-serve": ({"CURIO_HOME": "{afile}/home"}, ["serve"], "CURIO_HOME is"),
    "index-under-a-file": (
        {"CURIO_INDEX": "{afile}/index"},
        ["search", "x"],
        "CURIO_INDEX (or --index) is",
    ),
    "index-is-a-file": ({"CURIO_INDEX": "{afile}"}, ["sources"], "which is a file, not a folder"),
    "index-unwritable": (
        {"CURIO_INDEX": "{unwritable}/index"},
        ["ingest", "{root}/docs"],
        "cannot make that folder",
    ),
    "index-flag-under-a-file": ({}, ["search", "x", "--index", "{afile}/index"], "is a file"),
    "index-under-a-file-serve": ({"CURIO_INDEX": "{afile}/index"}, ["serve"], "CURIO_INDEX"),
    "corpus-is-a-file": (
        {"CURIO_CORPUS": "{afile}"},
        ["search", "x"],
        "CURIO_CORPUS is",
    ),
    "corpus-missing": (
        {"CURIO_CORPUS": "{root}/no-such-corpus"},
        ["search", "x"],
        "does not exist",
    ),
    "prompts-is-a-file": (
        {"CURIO_PROMPTS_DIR": "{afile}", "CURIO_INDEX": "{index}"},
        ["ask", "where do handovers happen"],
        "CURIO_PROMPTS_DIR is",
    ),
    "prompts-missing": (
        {"CURIO_PROMPTS_DIR": "{root}/no-such-prompts", "CURIO_INDEX": "{index}"},
        ["review", "{draft}"],
        "CURIO_PROMPTS_DIR is",
    ),
    "prompts-is-a-file-serve": ({"CURIO_PROMPTS_DIR": "{afile}"}, ["serve"], "CURIO_PROMPTS_DIR"),
    "evals-is-a-file": ({"CURIO_EVALS_DIR": "{afile}"}, ["eval"], "CURIO_EVALS_DIR is"),
    "report-under-a-file": ({}, ["eval", "--report", "{afile}/report"], "--report is"),
    "audit-under-a-file": (
        {"CURIO_AUDIT_LOG": "{afile}/audit.jsonl", "CURIO_INDEX": "{index}"},
        ["review", "{draft}"],
        "CURIO_AUDIT_LOG is",
    ),
    "audit-is-a-folder": (
        {"CURIO_AUDIT_LOG": "{root}", "CURIO_INDEX": "{index}"},
        ["ask", "where do handovers happen"],
        "which is a folder",
    ),
    "audit-unwritable": (
        {"CURIO_AUDIT_LOG": "{unwritable}/audit.jsonl", "CURIO_INDEX": "{index}"},
        ["review", "{draft}"],
        "CURIO_AUDIT_LOG is",
    ),
    "audit-under-a-file-serve": ({"CURIO_AUDIT_LOG": "{afile}/a.jsonl"}, ["serve"], "AUDIT_LOG"),
    "auth-file-is-a-folder": (
        {"CURIO_AUTH_FILE": "{root}"},
        ["serve", "--host", "0.0.0.0"],
        "CURIO_AUTH_FILE is",
    ),
    "auth-file-under-a-file": (
        {"CURIO_AUTH_FILE": "{afile}/users"},
        ["serve", "--host", "0.0.0.0"],
        "is a file, not a folder",
    ),
    "embed-model-is-a-file": (
        {"CURIO_EMBED_MODEL": "{afile}"},
        ["search", "x"],
        "CURIO_EMBED_MODEL",
    ),
    "review-a-folder": ({"CURIO_INDEX": "{index}"}, ["review", "{root}"], "is a folder"),
    "port-70000": ({}, ["serve", "--port", "70000"], "from 1 to 65535 (got 70000)"),
    "port-minus-1": ({}, ["serve", "--port", "-1"], "from 1 to 65535 (got -1)"),
    "port-0": ({}, ["serve", "--port", "0"], "from 1 to 65535 (got 0)"),
    "port-not-a-number": ({}, ["serve", "--port", "seventy"], "invalid int value"),
    "port-setting-70000": ({"CURIO_PORT": "70000"}, ["serve"], "CURIO_PORT is not valid"),
    "host-unknown": (
        {"CURIO_AUTH_FILE": "{users}"},
        ["serve", "--host", "no such host!", "--port", "7999"],
        "not an address or a name",
    ),
    "host-not-this-computer": (
        {"CURIO_AUTH_FILE": "{users}"},
        ["serve", "--host", "192.0.2.1", "--port", "7999"],
        "not an address of this computer",
    ),
    "host-empty": ({}, ["serve", "--host", " "], "--host is empty"),
}


def fill(value: str, box: Sandbox) -> str:
    return value.format(
        afile=box.afile,
        unwritable=box.unwritable,
        index=box.index,
        home=box.home,
        users=box.users,
        draft=box.draft,
        root=box.root,
    )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("CURIO_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CURIO_HOME", str(sandbox.home))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("row", list(ROWS))
def test_settings_paths_and_ports(
    row: str,
    sandbox: Sandbox,
    clean_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env, argv, words = ROWS[row]
    for key, value in env.items():
        monkeypatch.setenv(key, fill(value, sandbox))
    get_settings.cache_clear()
    before = snapshot(sandbox.root)
    code = main([fill(a, sandbox) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, (row, code, err)
    assert err.count("\n") == 1 and err.startswith("curio: "), err
    assert "unexpected problem" not in err and "Traceback" not in err, err
    assert words in err, err
    assert snapshot(sandbox.root) == before, f"{row}: a refused setting changed or added files"


@pytest.mark.parametrize(
    ("env", "argv", "words"),
    [
        ({"CURIO_INDEX": "{afile}/index"}, ["search", "x"], "CURIO_INDEX (or --index) is"),
        ({"CURIO_HOME": "{unwritable}/home"}, ["serve"], "CURIO_HOME is"),
        ({}, ["serve", "--port", "70000"], "from 1 to 65535"),
    ],
    ids=["index-under-a-file", "home-unwritable-serve", "port-70000"],
)
def test_in_a_real_process_stderr_holds_only_the_reason(
    sandbox: Sandbox, env: dict[str, str], argv: list[str], words: str
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CURIO_")}
    environ |= {"CURIO_HOME": str(sandbox.home), "PYTHONPATH": str(REPO_ROOT)}
    environ |= {k: fill(v, sandbox) for k, v in env.items()}
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", *argv],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("where", ["{afile}/users", "{root}"], ids=["under-a-file", "a-folder"])
def test_auth_add_with_a_bad_file_says_so_before_asking_for_a_password(
    sandbox: Sandbox,
    where: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": asked.append(prompt) or "x")
    before = snapshot(sandbox.root)
    assert auth.main(["add", "sam", "--file", fill(where, sandbox)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "auth file" in err, err
    assert asked == [], "the password was asked for before the file was checked"
    assert snapshot(sandbox.root) == before
