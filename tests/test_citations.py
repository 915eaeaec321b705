"""Citations say whose words a passage is: one readable form everywhere, and kind and
jurisdiction in every JSON hit and citation."""

from __future__ import annotations

import json

import pytest

from assistant.citations import format_citation
from assistant.cli import main
from assistant.settings import Settings
from assistant.types import JURISDICTIONS, KINDS, Citation

FINDING = Citation(
    source="ofsted.md",
    title="Ofsted monitoring visit",
    section="Consent rarely sought by referrers",
    publisher="Ofsted",
    year="2024",
    jurisdiction="england",
    kind="inspection-finding",
)


def test_the_readable_form_names_the_kind() -> None:
    assert format_citation(FINDING) == (
        "Ofsted monitoring visit — Consent rarely sought by referrers (Ofsted, 2024)"
        " · inspection finding, England"
    )
    prompt = Citation(**{**FINDING.__dict__, "kind": "practice-prompt", "section": "Prompt"})
    assert format_citation(prompt).endswith(
        "· Curio practice prompt, not the words of Ofsted, England"
    )


def test_html_form_is_escaped_and_marks_the_kind() -> None:
    odd = Citation(**{**FINDING.__dict__, "title": "<script>x</script>"})
    html = format_citation(odd, html=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "data-kind='inspection-finding'" in html and "inspection finding" in html


def test_old_indexes_and_other_nations() -> None:
    old = Citation(source="a.md", title="A", section="S", jurisdiction="England", status="current")
    assert format_citation(old) == "A — S · England"  # no kind stored before kinds existed
    assert old.caveat == ""  # 'England' from an older index is still England
    wales = Citation(source="w.md", title="W", section="S", jurisdiction="Wales", kind="law")
    assert wales.caveat == "Wales guidance"
    assert format_citation(wales) == "W — S · law [Wales guidance]"
    both = Citation(source="b.md", title="B", section="S", jurisdiction="england-and-wales")
    assert both.caveat == ""


@pytest.mark.integration
def test_search_and_ask_show_and_carry_the_kind(
    corpus_settings: Settings, corpus_index: object, capsys: pytest.CaptureFixture[str]
) -> None:
    index = ["--index", str(corpus_settings.index_dir)]
    query = "Did Ofsted find that referrers sought consent?"
    assert main(["search", query, "--k", "5", *index]) == 0
    plain = capsys.readouterr().out
    assert "· inspection finding" in plain or "· Curio practice prompt" in plain

    assert main(["search", query, "--k", "5", "--json", *index]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and all(h["kind"] in KINDS and h["jurisdiction"] in JURISDICTIONS for h in hits)
    assert any(h["source"] == "ofsted-bcp-monitoring-visit-2024.md" for h in hits)

    question = "What are the routes to MARAC besides the Dash score?"
    assert main(["ask", question, "--json", *index]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["citations"]
    for c in answer["citations"]:
        assert c["kind"] in KINDS and c["jurisdiction"] in JURISDICTIONS
