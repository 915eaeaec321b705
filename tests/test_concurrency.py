"""Concurrent sessions: many practitioners at once, and nobody sees anybody else's case.

A real app server on a free loopback port (the same in-process server as tests/test_app.py,
with the real chat layer, reviewer and corpus index). ``SESSIONS`` clients, each its own
gradio_client session in its own thread, start together; each reviews its own invented draft
full of names no other draft has, asks a follow-up, and exports its checklist. Every request
must be answered within ``TIMEOUT`` seconds, and no session's chat text, highlighted draft,
flags, sources or export may hold another session's names or sentences.

The number of requests is fixed (``SESSIONS`` x 3) and every wait has a timeout, so the test
always ends by itself.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from test_app import CHAT, DRAFT, FLAGS, SOURCES, STATUS, Server, content_text, unwrap

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SESSIONS = 24
TIMEOUT = 240.0  # seconds for any one request; the whole test takes far less

FIRST = ("Zephyrine", "Albertine", "Corvinia", "Delphinea", "Esmerelda", "Fenwicka")
LAST = ("Ashdown", "Brackenbury", "Cholmondley", "Dunnage", "Everdeen", "Fothergill")
PARTNER = ("Thaddeus", "Barnaby", "Cuthbert", "Digory", "Ebenezer", "Fitzroy")


def invented(n: int) -> dict[str, str]:
    """One session's invented family: names and a sentence found in no other session's draft."""
    tag = f"{n:02d}{'abcdefghijklmnopqrstuvwxyz'[n % 26]}"  # fixed width: no tag prefixes another
    mother = f"{FIRST[n % 6]} {LAST[n // 6 % 6]}-{tag}"
    partner = f"{PARTNER[(n + 1) % 6]} Quill-{tag}"
    child = f"Pip-{tag}"
    street = f"Marrowby{tag} Lane"
    return {
        "mother": mother,
        "partner": partner,
        "child": child,
        "street": street,
        "tag": tag,
        "draft": (
            f"Assessment summary (invented). {child} (6) lives with their mother, Ms {mother}, at "
            f"9 {street}. Police attended in March after Mr {partner} pushed Ms {mother} against "
            f"a wall while she was holding {child}.\n\n"
            f"Mr {partner} has since moved out and is staying with a friend, so the risk to "
            f"{child} is now reduced. Ms {mother} has engaged well and has shown good insight. "
            f"She has agreed she will not let Mr {partner} into the home.\n\n"
            f"{child} said the kite with the number {tag} painted on it was hidden behind the "
            "shed when the shouting started. The plan is to close the case with a referral to "
            "a parenting course."
        ),
    }


FAMILIES = [invented(n) for n in range(SESSIONS)]


def markers(family: dict[str, str]) -> list[str]:
    """Strings that belong to this family only (each carries its fixed-width tag)."""
    return [family["mother"], family["partner"], family["child"], family["street"]]


def one_session(server: Server, family: dict[str, str], start: threading.Barrier) -> dict:
    """Review, follow up and export in one gradio_client session; return everything it saw."""
    from gradio_client import Client

    client = Client(server.url, verbose=False, download_files=str(server.cache_dir / "dl"))
    seen: dict[str, Any] = {"timings": []}
    start.wait(timeout=TIMEOUT)

    def call(*args: Any, api_name: str) -> Any:
        began = time.monotonic()
        out = client.submit(*args, api_name=api_name).result(timeout=TIMEOUT)
        seen["timings"].append(time.monotonic() - began)
        return out

    review = call(family["draft"], [], api_name="/review")
    follow = call("why flag 1?", "Review a draft", family["draft"], review[CHAT], api_name="/send")
    md_path, note = call(api_name="/export_md")
    seen["review"] = review
    seen["follow"] = follow
    seen["export_note"] = note
    seen["export"] = Path(unwrap(md_path)).read_text(encoding="utf-8") if unwrap(md_path) else ""
    client.close()
    return seen


def panels(out: tuple[Any, ...]) -> str:
    """Everything one answer showed: chat text, highlighted draft, flags, sources, status."""
    chat = "\n".join(content_text(m) for m in out[CHAT])
    return "\n".join([chat, *(str(out[i]) for i in (DRAFT, FLAGS, SOURCES, STATUS))])


@pytest.mark.timeout(600)
def test_sessions_at_once_each_see_only_their_own_case(server: Server) -> None:
    start = threading.Barrier(SESSIONS)
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        futures = [pool.submit(one_session, server, f, start) for f in FAMILIES]
        results = [f.result(timeout=TIMEOUT * 4) for f in futures]
    elapsed = time.monotonic() - began

    for n, (family, seen) in enumerate(zip(FAMILIES, results, strict=True)):
        review, follow = seen["review"], seen["follow"]
        assert review[STATUS] == "" and follow[STATUS] == "", (n, review[STATUS], follow[STATUS])
        assert "<mark class='curio-hl'" in review[DRAFT], f"session {n}: no flags highlighted"
        assert "Questions to consider" in review[FLAGS]
        assert content_text(follow[CHAT][-1]).startswith("Why flag 1"), n
        assert "ready" in seen["export_note"] and seen["export"].startswith("# Curiosity")
        shown = "\n".join([panels(review), panels(follow), seen["export"]])
        assert family["mother"] in review[DRAFT], f"session {n} lost its own draft"
        assert family["partner"] in seen["export"] or family["child"] in seen["export"]
        for other in FAMILIES:
            if other is family:
                continue
            leaked = [m for m in markers(other) if m in shown]
            assert not leaked, f"session {n} saw another session's case: {leaked}"

    # the audit log: one review answer and one follow-up per session, each under its own id
    lines = server.settings.audit_path.read_text(encoding="utf-8").splitlines()
    events = [json.loads(x) for x in lines]
    answers = [e for e in events if e["event"] == "answer" and e["mode"] == "review"]
    by_session: dict[str, int] = {}
    for e in answers:
        by_session[e["session"]] = by_session.get(e["session"], 0) + 1
    assert sorted(by_session.values()) == [2] * SESSIONS, by_session
    raw = "\n".join(lines)
    assert not [f["tag"] for f in FAMILIES if f["mother"] in raw], "case text in the audit log"

    timings = sorted(t for seen in results for t in seen["timings"])
    print(
        f"\n{SESSIONS} sessions x 3 requests in {elapsed:.1f} s; per request median "
        f"{timings[len(timings) // 2]:.2f} s, slowest {timings[-1]:.2f} s"
    )
