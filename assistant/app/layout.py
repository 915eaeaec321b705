"""The page: its components, and which handler each button and box calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.app.handlers import CurioApp
from assistant.app.render import (
    privacy_line,
    render_draft,
    render_flags,
    render_sources,
)
from assistant.app.slots import Slots
from assistant.app.words import (
    EXAMPLE_DRAFT,
    INTRO,
    MARKS,
    UPLOAD_TYPES,
)
from assistant.audit import FEEDBACK_REASONS
from assistant.casepanel import (
    DECISIONS,
    ROLE_CHOICES,
    render_case_panel,
    render_decisions,
)
from assistant.settings import Settings, offline_switches

#: ``api_name`` for events that are not part of the app's API (Gradio takes False; its type
#: hints say only a name or None).
NO_API: Any = False


def _flag_and_choice(
    note: str, flag_id: str, choice: tuple[str, list[str], str]
) -> tuple[Any, Any]:
    """A muted note over a row of a flag picker and a choice (label, options, element id): the
    decision log and the feedback marks share this shape."""
    import gradio as gr

    label, options, elem_id = choice
    gr.Markdown(note, elem_classes="curio-muted")
    with gr.Row():
        flag = gr.Dropdown([], label="Flag", elem_id=flag_id, allow_custom_value=True)
        picked = gr.Radio(options, label=label, elem_id=elem_id)
    return flag, picked


def build_app(settings: Settings, curio: Any = None, index: Any = None):  # -> gr.Blocks
    """The page. ``curio`` defaults to the chat layer built from these settings."""
    offline_switches()
    import gradio as gr

    if curio is None:
        from assistant.runtime import build

        curio = build(settings).curio
        # encode the guidance sentences ask scores, in the background, so answers are quick
        curio.composer.warm_in_background()
    app = CurioApp(settings, curio, index)
    from assistant.casefile import load_cues

    app.case_cues = load_cues(Path(settings.prompts_dir) / "casefile.yaml")  # a bad edit fails now
    scenarios = app.scenarios()
    model = getattr(curio, "model_name", None)
    backend = getattr(curio, "llm", None)
    local = getattr(backend, "local", None) if backend is not None else None

    with gr.Blocks(
        title="Curio",
        analytics_enabled=False,
        delete_cache=(1800, 3600),  # a backstop: uploads are deleted as soon as they are read
    ) as demo:
        app.cache_dir = demo.GRADIO_CACHE
        state = gr.State(None)
        with gr.Row(equal_height=True):
            gr.Markdown("# Curio\n*Questions, not verdicts.*", elem_id="curio-title")
            gr.HTML(privacy_line(settings, model, local), elem_id="curio-privacy-box")
        with gr.Accordion("How to use Curio", open=True, elem_id="curio-intro"):
            gr.Markdown(INTRO)
        labels = app.mode_labels()
        first = next(iter(labels))
        mode = gr.Radio(
            list(labels), value=first, label="What would you like to do?", elem_id="mode"
        )
        hint = gr.Markdown(app.mode_words(labels[first])["hint"], elem_id="mode-hint")
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Column(visible=True) as review_box:
                    draft = gr.Textbox(
                        label="Your draft (paste here; invented or anonymised text)",
                        placeholder="Paste a section of an assessment, safety plan or case note…",
                        lines=7,
                        max_lines=18,
                        elem_id="draft",
                    )
                    with gr.Row(equal_height=True):
                        upload = gr.File(
                            label=f"…or upload a .docx, .pdf, .txt or .md file "
                            f"(up to {settings.max_upload_mb:g} MB)",
                            file_types=UPLOAD_TYPES,
                            type="filepath",
                            height=150,
                            scale=3,
                            elem_id="upload",
                        )
                        with gr.Column(scale=2, min_width=200):
                            review_btn = gr.Button(
                                "Review draft", variant="primary", elem_id="review"
                            )
                            example_btn = gr.Button("Try an invented example", elem_id="example")
                            clear_btn = gr.Button("Clear draft", size="sm", elem_id="clear")
                    with gr.Tabs():
                        with gr.Tab("Draft with flags highlighted", id="draft-tab"), gr.Row():
                            with gr.Column(scale=1, min_width=300):
                                draft_html = gr.HTML(render_draft("", []), elem_id="draft-view")
                            with gr.Column(scale=1, min_width=300):
                                gr.Markdown("#### Case at a glance")
                                case_html = gr.HTML(render_case_panel(None), elem_id="case-view")
                                with gr.Accordion(
                                    "Correct a role or merge two mentions",
                                    open=False,
                                    elem_id="case-fix",
                                ):
                                    person_pick = gr.Dropdown(
                                        [], label="Person", elem_id="person-pick"
                                    )
                                    role_pick = gr.Dropdown(
                                        ROLE_CHOICES, label="Role", elem_id="role-pick"
                                    )
                                    role_btn = gr.Button(
                                        "Correct role", size="sm", elem_id="fix-role"
                                    )
                                    merge_pick = gr.Dropdown(
                                        [], label="…is the same person as", elem_id="merge-pick"
                                    )
                                    merge_btn = gr.Button("Merge", size="sm", elem_id="merge")
                                    case_status = gr.Markdown("", elem_id="case-status")
                        with gr.Tab("Flags and questions", id="flags-tab"):
                            flags_html = gr.HTML(render_flags([]), elem_id="flags")
                    with gr.Accordion(
                        "Decision log for supervision", open=True, elem_id="decisions"
                    ):
                        decision_flag, decision = _flag_and_choice(
                            "Mark what you will do about each flag. Your reasons go into the "
                            "exported checklist only, never into the audit log.",
                            "decision-flag",
                            ("Decision", list(DECISIONS), "decision"),
                        )
                        decision_reason = gr.Textbox(
                            label="Reason (optional)", lines=1, elem_id="decision-reason"
                        )
                        decision_btn = gr.Button(
                            "Save decision", size="sm", elem_id="save-decision"
                        )
                        decision_status = gr.Markdown("", elem_id="decision-status")
                        decision_log = gr.HTML(render_decisions([], {}), elem_id="decision-log")
                    with gr.Accordion("Was a flag useful? Tell the team", open=False):
                        flag_pick, mark = _flag_and_choice(
                            "Your mark goes to the team's log with the lens name and the reason "
                            "you pick only: never any case text.",
                            "flag-pick",
                            ("This flag was…", list(MARKS), "mark"),
                        )
                        reason = gr.Dropdown(
                            list(FEEDBACK_REASONS),
                            value=None,
                            label="Why? (optional)",
                            elem_id="mark-reason",
                            allow_custom_value=True,  # typed text is logged as "Something else"
                        )
                        mark_btn = gr.Button("Save mark", size="sm", elem_id="save-mark")
                        mark_status = gr.Markdown("", elem_id="mark-status")
                with gr.Column(visible=False) as scenario_box:
                    scenario_pick = gr.Dropdown(
                        [(str(s.get("title", s.get("id"))), str(s.get("id"))) for s in scenarios],
                        label="Training scenario",
                        value=None,
                        elem_id="scenario-pick",
                    )
                    scenario_text = gr.HTML(app.show_scenario(None), elem_id="scenario-text")
                    trainee = gr.Textbox(
                        label="The questions and concerns you would raise",
                        lines=5,
                        elem_id="trainee",
                    )
                    check_btn = gr.Button(
                        "Check my questions", variant="primary", elem_id="check-scenario"
                    )
                    coverage = gr.HTML(elem_id="coverage")
                status = gr.Markdown("", elem_id="curio-status", elem_classes="curio-status")
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    height=380,
                    sanitize_html=True,
                    elem_id="chat",
                    feedback_options=None,
                    placeholder="Your conversation with Curio appears here.",
                )
                with gr.Row(equal_height=True):
                    message = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question or reply…",
                        scale=5,
                        elem_id="message",
                    )
                    send_btn = gr.Button("Send", scale=1, min_width=80, elem_id="send")
            with gr.Column(scale=2):
                gr.Markdown("### Export your checklist")
                gr.Markdown(
                    "This session's flags, questions and guidance, to keep with your notes.",
                    elem_classes="curio-muted",
                )
                with gr.Row():
                    md_btn = gr.Button("Markdown (.md)", size="sm", elem_id="export-md")
                    docx_btn = gr.Button("Word (.docx)", size="sm", elem_id="export-docx")
                export_status = gr.Markdown("", elem_id="export-status")
                export_file = gr.File(
                    label="Download", interactive=False, visible=False, elem_id="export-file"
                )
                gr.Markdown("### Sources")
                sources_html = gr.HTML(render_sources([]), elem_id="sources")
                source_pick = gr.Radio(
                    [],
                    label="Read the whole section of",
                    elem_id="source-pick",
                    type="value",
                    visible=False,
                )
                section_html = gr.HTML("", elem_id="section")

        ui = app.ui = Slots(
            chatbot=chatbot,
            state=state,
            sources=sources_html,
            source_pick=source_pick,
            section=section_html,
            draft_view=draft_html,
            flags=flags_html,
            flag_pick=flag_pick,
            status=status,
            message=message,
            draft=draft,
            upload=upload,
            hint=hint,
            review_box=review_box,
            scenario_box=scenario_box,
            case_view=case_html,
            person_pick=person_pick,
            merge_pick=merge_pick,
            case_status=case_status,
            decision_flag=decision_flag,
            decision_log=decision_log,
            decision_status=decision_status,
            export_file=export_file,
            export_status=export_status,
        )
        # the order of each list is the order of the values in the HTTP API's answers
        panel_outputs = ui.of(
            "chatbot",
            "state",
            "sources",
            "source_pick",
            "section",
            "draft_view",
            "flags",
            "flag_pick",
            "status",
        )

        def on_mode(label: str) -> dict[Any, Any]:
            m = labels.get(label, "ask")
            words = app.mode_words(m)
            return {
                ui.hint: words["hint"],
                ui.review_box: gr.update(visible=m == "review"),
                ui.scenario_box: gr.update(visible=m == "scenario"),
                ui.message: gr.update(placeholder=words["placeholder"]),
            }

        mode.change(
            on_mode, mode, ui.of("hint", "review_box", "scenario_box", "message"), api_name=NO_API
        )
        case_outputs = ui.of(
            "case_view", "person_pick", "merge_pick", "decision_flag", "decision_log", "case_status"
        )
        review_btn.click(
            app.review, [draft, state, chatbot], panel_outputs, api_name="review"
        ).then(app.case_panel, state, case_outputs, api_name=NO_API)
        send_args: dict[str, Any] = {
            "fn": app.send,
            "inputs": [message, mode, draft, state, chatbot],
            "outputs": panel_outputs + [message],
        }
        send_btn.click(**send_args, api_name="send").then(
            app.case_panel, state, case_outputs, api_name=NO_API
        )
        message.submit(**send_args, api_name=NO_API).then(
            app.case_panel, state, case_outputs, api_name=NO_API
        )
        fix_outputs = ui.of("case_view", "person_pick", "merge_pick", "case_status")
        role_btn.click(
            app.correct_role, [person_pick, role_pick, state], fix_outputs, api_name="correct_role"
        )
        merge_btn.click(
            app.merge_people, [person_pick, merge_pick, state], fix_outputs, api_name="merge_people"
        )
        decision_btn.click(
            app.decide,
            [decision_flag, decision, decision_reason, state],
            ui.of("decision_log", "decision_status"),
            api_name="decide",
        )
        example_btn.click(lambda: EXAMPLE_DRAFT, None, draft, api_name="example")
        clear_btn.click(
            lambda: {ui.draft: "", ui.status: ""}, None, [draft, status], api_name=NO_API
        )
        upload.upload(app.upload, upload, [draft, status, upload], api_name="upload")
        source_pick.input(app.read_section, [source_pick, state], section_html, api_name="section")
        mark_btn.click(app.mark, [flag_pick, mark, reason, state], mark_status, api_name="mark")
        export_outputs = ui.of("export_file", "export_status")
        md_btn.click(lambda s: app.export("md", s), state, export_outputs, api_name="export_md")
        docx_btn.click(
            lambda s: app.export("docx", s), state, export_outputs, api_name="export_docx"
        )
        scenario_pick.change(app.show_scenario, scenario_pick, scenario_text, api_name=NO_API)
        check_btn.click(
            app.check_scenario, [scenario_pick, trainee], coverage, api_name="check_scenario"
        )
    demo.curio_app = app  # type: ignore[attr-defined]  # for tests
    return demo
