"""The documentation cannot drift from the code: every command it shows is run or checked.

Every fenced ```sh block in README.md and docs/*.md is read line by line. Each line is one of:

- a ``curio ...`` command (also ``.venv/bin/curio`` and ``python -m assistant``): **run**
  in-process through ``assistant.cli.main`` from the top of the repository, and must exit 0 with
  output and no traceback. Read-only commands use the session's shared corpus index (built once
  by conftest); once a page has run ``curio ingest`` or ``curio remove``, that page's later
  commands use a scratch CURIO_HOME of its own, so the shared index is never written to.
- ``python -m assistant.auth add USER``: **run** in-process with the password prompt answered,
  against a temporary CURIO_AUTH_FILE.
- **checked, not run**, because they start long-lived servers or need one running:
  ``curio serve`` (the arguments must parse, every CURIO_ variable must be a setting and every
  path it names must exist; the app itself is tested by test_app.py and test_app_browser.py),
  ``chroma run`` (the ``chroma`` command next to this Python must exist and ``chroma run --help``
  must work; test_chroma_server.py runs a real server), any ``curio`` command after ``export
  CURIO_CHROMA_URL`` (it needs that server: the arguments must parse; test_chroma_server.py runs
  the same steps), ``curl`` (it probes the server above) and ``make TARGET`` (the Makefile must
  have the target: ``make run`` serves forever and ``make test`` runs this very suite);
- ``export CURIO_X=...``: the variable must be a setting.

Any other line fails the test, so a new kind of command in the docs needs a decision here.
Also checked: every link to a local file (and its #heading) resolves, example files the docs
use are valid, the configuration tables match the settings object, and the README's set-up
section shows exactly ``make run`` and ``make test``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from test_app_browser import CHROMIUM, CHROMIUM_ARGS

from assistant.settings import REPO_ROOT, Settings, get_settings, settings_reference

pytestmark = pytest.mark.integration

README = REPO_ROOT / "README.md"
DOCS = [README, *sorted((REPO_ROOT / "docs").glob("*.md"))]
SH_BLOCK = re.compile(r"^([ \t]*)```sh[ \t]*\n(.*?)^[ \t]*```[ \t]*$", re.S | re.M)
ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
SETTING_NAMES = {f"CURIO_{name.upper()}" for name in Settings.model_fields}
WRITES = {"ingest", "remove"}
EXAMPLE_DRAFT = REPO_ROOT / "docs" / "examples" / "pearce-assessment.txt"
TRAINING = REPO_ROOT / "docs" / "examples" / "training"
GUIDANCE = REPO_ROOT / "docs" / "examples" / "guidance"


def rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


# ---------------------------------------------------------------------------- reading the docs


@dataclass
class Command:
    doc: Path
    line: str
    env: dict[str, str]  # assignments before the command, and exports earlier in its block
    argv: list[str]

    def __str__(self) -> str:
        return f"{rel(self.doc)}: {self.line}"


def sh_lines(doc: Path) -> Iterator[tuple[list[str], dict[str, str], str]]:
    """(words, block exports so far, line) for each command line in the page's sh blocks."""
    for match in SH_BLOCK.finditer(doc.read_text(encoding="utf-8")):
        indent = len(match.group(1))
        exports: dict[str, str] = {}
        body = match.group(2).replace("\\\n", " ")
        for raw in body.splitlines():
            line = raw[indent:] if raw[:indent].strip() == "" else raw
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[0] == "export":
                for word in words[1:]:
                    m = ASSIGN.match(word)
                    assert m, f"{rel(doc)}: cannot read `{line.strip()}`"
                    exports[m.group(1)] = m.group(2)
            yield words, dict(exports), line.strip()


def commands(doc: Path) -> list[Command]:
    out = []
    for words, exports, line in sh_lines(doc):
        env = dict(exports)
        while words and ASSIGN.match(words[0]):
            name, value = ASSIGN.match(words[0]).groups()  # type: ignore[union-attr]
            env[name] = value
            words = words[1:]
        out.append(Command(doc, line, env, words))
    return out


def curio_argv(words: list[str]) -> list[str] | None:
    """The arguments of a ``curio`` command, or None if this is not one."""
    if words and Path(words[0]).name == "curio":
        return words[1:]
    if (
        len(words) >= 3
        and Path(words[0]).name.startswith("python")
        and words[1:3]
        == [
            "-m",
            "assistant",
        ]
    ):
        return words[3:]
    return None


def is_auth_add(words: list[str]) -> bool:
    return (
        len(words) >= 4
        and Path(words[0]).name.startswith("python")
        and words[1:4] == ["-m", "assistant.auth", "add"]
    )


ALL_COMMANDS = [c for doc in DOCS for c in commands(doc)]


def test_the_docs_show_commands() -> None:
    assert len(ALL_COMMANDS) >= 15, "the sh blocks were not found: has the fence syntax changed?"
    assert any(curio_argv(c.argv) for c in ALL_COMMANDS)


# ---------------------------------------------------------------------------- running commands


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Runner:
    """Runs ``curio`` in-process with the environment a page's commands need."""

    shared_home: Path
    scratch: Callable[[], Path]
    audit_log: Path
    homes: dict[Path, Path] = field(default_factory=dict)  # page -> scratch home once it writes
    cache: dict[tuple[str, ...], Result] = field(default_factory=dict)

    def home_for(self, cmd: Command, argv: list[str]) -> Path:
        if argv and argv[0] in WRITES and cmd.doc not in self.homes:
            self.homes[cmd.doc] = self.scratch()
        return self.homes.get(cmd.doc, self.shared_home)

    def run(self, cmd: Command, argv: list[str]) -> Result:
        from assistant.cli import main

        home = self.home_for(cmd, argv)
        env = {
            "CURIO_HOME": str(home),
            "CURIO_AUDIT_LOG": str(self.audit_log),
            "CURIO_LLM": "none",
            **cmd.env,
        }
        key = (str(home), json.dumps(env, sort_keys=True), *argv)
        if key in self.cache and argv[0] not in WRITES:
            return self.cache[key]
        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as mp:
            for name in ("CURIO_INDEX", "CURIO_CHROMA_URL", "CURIO_CORPUS", "CURIO_EVALS_DIR"):
                mp.delenv(name, raising=False)
            for name, value in env.items():
                mp.setenv(name, value)
            mp.chdir(REPO_ROOT)
            get_settings.cache_clear()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = main(argv)
            finally:
                get_settings.cache_clear()
        result = Result(code, out.getvalue(), err.getvalue())
        self.cache[key] = result
        return result


@pytest.fixture(scope="module")
def runner(corpus_index, corpus_settings: Settings, tmp_path_factory) -> Runner:
    assert corpus_index.exists()
    return Runner(
        shared_home=corpus_settings.home,
        scratch=lambda: tmp_path_factory.mktemp("docs-home"),
        audit_log=tmp_path_factory.mktemp("docs-audit") / "audit.jsonl",
    )


def check_parses(cmd: Command, argv: list[str]) -> None:
    from assistant.cli import build_parser

    build_parser().parse_args(argv)  # a bad option raises UsageError
    check_env(cmd)


def check_env(cmd: Command) -> None:
    for name, value in cmd.env.items():
        if name.startswith("CURIO_"):
            assert name in SETTING_NAMES, f"{cmd}: {name} is not a Curio setting"
            if name.endswith(("_DIR", "_CORPUS")):
                assert (REPO_ROOT / value).is_dir(), f"{cmd}: {value} does not exist"


def makefile_targets() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.M))


def chroma_run_help() -> None:
    chroma = Path(sys.executable).parent / "chroma"
    assert chroma.exists(), f"{chroma} is missing: the docs show `chroma run`"
    done = subprocess.run(
        [str(chroma), "run", "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "Usage" in done.stdout, done.stderr[-500:]


def run_auth_add(cmd: Command, tmp_path: Path) -> None:
    from assistant import auth

    users = tmp_path / "users"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CURIO_AUTH_FILE", str(users))
        mp.setattr(auth.getpass, "getpass", lambda prompt="": "an invented passphrase")
        assert auth.main(cmd.argv[3:]) == 0, cmd
    username = cmd.argv[4]
    assert username in auth.load_users(users)
    assert users.stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=[rel(d) for d in DOCS])
def test_every_command_in_the_page_runs_or_is_checked(
    doc: Path, runner: Runner, tmp_path: Path
) -> None:
    for cmd in commands(doc):
        words = cmd.argv
        argv = curio_argv(words)
        if argv is not None:
            if argv and argv[0] == "serve":
                check_parses(cmd, argv)  # serves forever: test_app*.py start the real app
            elif "CURIO_CHROMA_URL" in cmd.env:
                check_parses(cmd, argv)  # needs a Chroma server: see test_chroma_server.py
            else:
                check_env(cmd)
                result = runner.run(cmd, argv)
                assert result.code == 0, f"{cmd} exited {result.code}: {result.err[-800:]}"
                assert result.out.strip(), f"{cmd} printed nothing"
                assert "Traceback" not in result.err, f"{cmd}: {result.err[-800:]}"
        elif is_auth_add(words):
            run_auth_add(cmd, tmp_path)
        elif words[0] == "make":
            missing = set(words[1:]) - makefile_targets()
            assert not missing, f"{cmd}: the Makefile has no target {missing}"
        elif Path(words[0]).name == "chroma" and words[1:2] == ["run"]:
            chroma_run_help()  # starts a server: test_chroma_server.py runs a real one
        elif words[0] == "curl":
            pass  # probes the Chroma server started just above it; see test_chroma_server.py
        elif words[0] == "export":
            check_env(cmd)
        else:
            pytest.fail(f"{cmd}: no test runs or checks this command; decide how in test_docs.py")


# ---------------------------------------------------------------------------- what the guides say


@pytest.mark.slow
def test_the_social_worker_guide_describes_the_review_the_example_gets(runner: Runner) -> None:
    """The sentences the guide quotes are flagged under the lenses it names, as it says."""
    cmd = Command(README, "curio review ... --json", {}, [])
    result = runner.run(cmd, ["review", rel(EXAMPLE_DRAFT), "--json"])
    assert result.code == 0, result.err
    flags = json.loads(result.out)["flags"]
    guide = " ".join((REPO_ROOT / "docs" / "social-worker.md").read_text().split())
    expected = {
        "perpetrator-absence-plan": "He has since moved out and is staying with his brother",
        "engagement-optimism": "Ms Pearce has engaged well with the service",
        "protective-parent-burden": "She has agreed that she will not let Mr Hart",
    }
    for lens, words in expected.items():
        flag = next((f for f in flags if f["lens"] == lens), None)
        assert flag and flag["kind"] == "present", f"{lens} is no longer raised by the example"
        assert any(ev["text"].startswith(words) for ev in flag["evidence"]), lens
        assert words in guide, f"the guide no longer quotes {words!r}"
    voice = next((f for f in flags if f["lens"] == "child-voice"), None)
    assert voice and voice["kind"] == "absent"  # the guide describes it as missing
    assert voice["evidence"][0]["text"].startswith("Tia appeared happy")
    past = next((f for f in flags if f["lens"] == "past-behaviour"), None)
    # the guide: raised at the conviction, set aside where the risk is called reduced
    assert past and past["kind"] == "present"
    assert past["evidence"][0]["text"].startswith("He has since moved out")
    assert "Mr Hart has a previous conviction" in past["reasons"][0]
    assert "Mr Hart has a previous conviction for assaulting a former partner" in guide


@pytest.mark.slow
def test_the_trainer_guide_example_scenarios_raise_their_required_lenses(runner: Runner) -> None:
    cmd = Command(README, "curio eval --json", {"CURIO_EVALS_DIR": rel(TRAINING)}, [])
    result = runner.run(cmd, ["eval", "--json"])
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert set(report["per_split"]) == {"training"}
    assert len(report["scenarios"]) == 2
    guide = " ".join((REPO_ROOT / "docs" / "trainer.md").read_text(encoding="utf-8").split())
    for s in report["scenarios"]:
        assert not s["missed"], s  # "every required lens raised"
        for lens in s["forbidden_raised"]:  # the guide names what is wrongly raised
            assert f"`{lens}`" in guide, (s["id"], lens)


@pytest.mark.slow
def test_the_guidance_example_is_found_and_removed(runner: Runner) -> None:
    """adding-guidance.md: after its ingest, sources and search show the document; remove works."""
    doc = REPO_ROOT / "docs" / "adding-guidance.md"
    key = "harbourside-contact-handover-procedure.md"
    home = runner.scratch()
    runner.homes[doc] = home
    cmd = Command(doc, "(adding-guidance walkthrough)", {}, [])
    assert runner.run(cmd, ["ingest", rel(GUIDANCE)]).code == 0
    assert key in runner.run(cmd, ["sources"]).out
    hits = runner.run(cmd, ["search", "where do handovers happen after domestic abuse", "--json"])
    assert json.loads(hits.out)["hits"][0]["source"] == key
    removed = runner.run(cmd, ["remove", key])
    assert removed.code == 0, removed.err
    runner.cache.clear()
    assert key not in runner.run(cmd, ["sources"]).out


def test_example_files_are_valid() -> None:
    from test_corpus import check_front_matter

    from assistant.evaluation import load_scenarios
    from assistant.ingest import load_document

    for path in sorted(GUIDANCE.glob("*.md")):
        doc = load_document(path, key=path.name)
        assert not check_front_matter(doc.meta, path.name)
        assert doc.meta["type"] == "local-procedure-example"
        assert "invented" in doc.meta["summary"].lower()
    scenarios = load_scenarios(TRAINING / "scenarios")
    assert scenarios and all(s.split == "training" for s in scenarios)
    assert "invented" in EXAMPLE_DRAFT.read_text(encoding="utf-8").splitlines()[0]


# ---------------------------------------------------------------------------- links and tables


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


@pytest.mark.parametrize("doc", DOCS, ids=[rel(d) for d in DOCS])
def test_every_local_link_resolves(doc: Path) -> None:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        assert path.exists(), f"{rel(doc)} links to {target}, which does not exist"
        assert REPO_ROOT in path.parents, f"{rel(doc)}: {target} points outside the repository"
        if fragment and path.suffix == ".md":
            assert fragment in anchors(path), f"{rel(doc)}: no heading #{fragment} in {path_part}"


def test_every_image_is_used_and_small() -> None:
    used = " ".join(d.read_text(encoding="utf-8") for d in DOCS)
    for png in sorted((REPO_ROOT / "docs" / "images").glob("*.png")):
        assert png.name in used, f"{png.name} is not used by any page"
        assert png.stat().st_size < 400_000, f"{png.name} is over 400 KB"


def test_every_curio_variable_mentioned_is_a_setting() -> None:
    for doc in DOCS:
        for name in set(re.findall(r"\bCURIO_[A-Z][A-Z0-9_]*", doc.read_text(encoding="utf-8"))):
            assert name in SETTING_NAMES, f"{rel(doc)} mentions {name}, which is not a setting"


def settings_block(path: Path) -> str:
    match = re.search(
        r"<!-- settings:start -->\n(.*?)<!-- settings:end -->",
        path.read_text(encoding="utf-8"),
        re.S,
    )
    assert match, f"{rel(path)} lost its settings markers"
    return match.group(1).strip()


@pytest.mark.parametrize("path", [README, REPO_ROOT / "docs" / "configuration.md"], ids=rel)
def test_configuration_tables_match_the_settings(path: Path) -> None:
    assert settings_block(path) == settings_reference().strip(), (
        f"{rel(path)}'s configuration table is out of date: run `make docs`"
    )


def test_readme_set_up_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = SH_BLOCK.findall(section)
    assert len(blocks) == 1
    lines = [shlex.split(x, comments=True) for x in blocks[0][1].splitlines()]
    assert [x for x in lines if x] == [["make", "run"], ["make", "test"]]


# ---------------------------------------------------------------------------- the screenshots


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.screenshots  # deselected by default (pyproject addopts); `make screenshots` runs it
def test_retake_the_screenshots(make_settings, corpus_index, tmp_path: Path, monkeypatch) -> None:
    """``make screenshots`` rewrites docs/images (it writes files, so it never runs in CI).

    Two apps on free loopback ports (the starter scenarios, and the trainer guide's own), driven
    by Playwright and Debian's Chromium at 1600x1000 scaled to 1280x800 PNGs. Check every image
    by eye afterwards: the guides describe what they show.
    """
    import socket

    from playwright.sync_api import sync_playwright

    from assistant.app import build_app, launch

    out = REPO_ROOT / "docs" / "images"

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))  # exports hold case text
    apps = {}
    for name, extra in (("main", {}), ("training", {"evals_dir": TRAINING})):
        settings = make_settings(index=corpus_index.settings.index_dir, port=free_port(), **extra)
        demo = build_app(settings, index=corpus_index)
        launch(demo, settings, prevent_thread_lock=True, quiet=True)
        apps[name] = (demo, f"http://127.0.0.1:{settings.port}/")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            _shots_social_worker(browser, apps["main"][1], out)
            _shots_supervisor(browser, apps["main"][1], out)
            _shots_trainer(browser, apps["training"][1], out)
            browser.close()
    finally:
        for demo, _ in apps.values():
            demo.close()


def _open(browser, url: str):  # -> playwright Page
    ctx = browser.new_context(
        viewport={"width": 1600, "height": 1000}, device_scale_factor=0.8, accept_downloads=True
    )
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.locator("#review").wait_for()
    return page


def _scroll_to(page, selector: str, offset: int = 20) -> None:
    y = page.evaluate(
        f"document.querySelector('{selector}').getBoundingClientRect().top + window.scrollY"
    )
    page.evaluate(f"window.scrollTo(0, {y} - {offset})")


def _shot(page, out: Path, name: str, **kwargs) -> None:
    page.wait_for_timeout(400)
    page.screenshot(path=str(out / f"{name}.png"), **kwargs)


def _collapse_intro(page) -> None:
    page.locator("#curio-intro button").first.click()
    page.wait_for_timeout(300)


def _send(page, text: str) -> None:
    page.locator("#message textarea").fill(text)
    page.locator("#send").click()
    page.wait_for_function("!document.querySelector('#message textarea').value")
    page.wait_for_timeout(2500)


def _shots_social_worker(browser, url: str, out: Path) -> None:
    page = _open(browser, url)
    _shot(page, out, "first-screen")
    _collapse_intro(page)
    page.locator("#upload input[type=file]").set_input_files(str(EXAMPLE_DRAFT))
    page.get_by_text("has been deleted", exact=False).wait_for()
    _scroll_to(page, "#mode")
    _shot(page, out, "sw-1-upload")
    page.locator("#review").click()
    page.locator("#draft-view mark.curio-hl").first.wait_for()
    page.locator("#sources .curio-source").first.wait_for()
    page.get_by_role("tab", name="Flags and questions").click()
    page.locator("#flags .curio-flag").first.wait_for(state="visible")
    _scroll_to(page, "#flags", 60)
    box = page.locator("#flags").bounding_box()
    clip = {
        "x": 0,
        "y": max(0, box["y"] - 60),
        "width": 950,
        "height": min(box["height"] + 70, 1000),
    }
    _shot(page, out, "sw-2-flags", clip=clip)  # the left column only: the flags list
    page.get_by_role("tab", name="Draft with flags highlighted").click()
    _send(page, "why flag 1?")
    _scroll_to(page, "#draft-view", 70)
    _shot(page, out, "review")
    page.locator("#source-pick label").first.click()
    page.locator("#curio-section").wait_for()
    _scroll_to(page, "#source-pick", 40)
    _shot(page, out, "sw-3-section")
    page.locator("#export-md").click()
    page.locator("#export-file a[href*='.md']").first.wait_for()
    _scroll_to(page, "#mode")
    _shot(page, out, "sw-4-export")
    page.get_by_text("Was a flag useful? Tell the team").click()
    page.locator("#mark").get_by_text("Useful", exact=True).click()
    page.locator("#save-mark").click()
    page.get_by_text("Thank you", exact=False).wait_for()
    _scroll_to(page, "#flag-pick", 200)
    _shot(page, out, "sw-5-feedback")


def _shots_supervisor(browser, url: str, out: Path) -> None:
    page = _open(browser, url)
    _collapse_intro(page)
    page.get_by_label("Reflective supervision").check()
    for message in (
        "Invented case for supervision. Tia (6) and Alfie (4 months) live with their mother. "
        "Their father grabbed her by the throat in June. He has moved out to his brother's and "
        "she says it is over, so I am thinking of stepping the case down.",
        "Tia says she misses her dad. Mum says he rang last week to ask about contact.",
    ):
        _send(page, message)
        page.locator("#sources .curio-source").first.wait_for()
    page.locator("#chat [data-testid=bot]").last.evaluate("e => e.scrollIntoView({block: 'start'})")
    _scroll_to(page, "#mode")
    _shot(page, out, "supervisor-reflect")


def _shots_trainer(browser, url: str, out: Path) -> None:
    page = _open(browser, url)
    _collapse_intro(page)
    page.get_by_label("Training scenario").check()
    page.locator("#scenario-pick input").click()
    page.locator("#scenario-pick [data-testid=dropdown-option]").first.click()
    page.locator("#scenario-text .curio-source").wait_for()
    _scroll_to(page, "#mode")
    _shot(page, out, "trainer-1-scenario")
    page.locator("#trainee textarea").fill(
        "What happened in his previous relationship, and what does his conviction tell us "
        "about the risk to Kyra now?\n"
        "Who will be at the handovers, and what happens if contact goes wrong?"
    )
    page.locator("#check-scenario").click()
    page.locator("#curio-coverage").wait_for()
    _scroll_to(page, "#trainee", 60)
    _shot(page, out, "trainer-2-coverage")
