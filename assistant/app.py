"""The Gradio app: a thin shell over the same functions as the CLI."""

from __future__ import annotations

import html

from assistant.errors import CurioError
from assistant.settings import Settings, get_settings, offline_switches


def render_hits(hits: list) -> str:
    """Passages as escaped HTML: guidance text is shown, never executed."""
    if not hits:
        return "<p>Nothing in the guidance matched that search.</p>"
    parts = []
    for n, hit in enumerate(hits, start=1):
        m = hit.chunk.metadata
        origin = ", ".join(html.escape(str(x)) for x in (m.get("publisher"), m.get("year")) if x)
        parts.append(
            f"<div class='hit'><b>[{n}] {html.escape(hit.chunk.title)}</b> — "
            f"{html.escape(hit.chunk.section)} <small>({origin}; {html.escape(hit.chunk.source)};"
            f" relevance {hit.relevance:.2f})</small><p>{html.escape(hit.chunk.text)}</p></div>"
        )
    return "\n".join(parts)


def build_app(settings: Settings):  # -> gr.Blocks
    import gradio as gr

    from assistant.index import open_index
    from assistant.retrieve import Retriever

    retriever = Retriever(open_index(settings), mode=settings.retriever)

    def search(query: str) -> str:
        try:
            return render_hits(retriever.search(query, k=settings.k))
        except CurioError as exc:
            return f"<p class='error'>{html.escape(exc.message)}</p>"

    with gr.Blocks(title="Curio") as demo:
        gr.Markdown("# Curio\nSearch the guidance. *Offline: nothing leaves this computer.*")
        query = gr.Textbox(label="Question", placeholder="What is the MARAC threshold?")
        out = gr.HTML()
        query.submit(search, query, out)
        gr.Button("Search").click(search, query, out)
    return demo


def serve(settings: Settings | None = None) -> None:
    offline_switches()
    settings = settings or get_settings()
    if settings.host not in ("127.0.0.1", "localhost", "::1") and settings.auth_file is None:
        raise CurioError(
            f"Refusing to serve on {settings.host} without authentication: set CURIO_AUTH_FILE "
            "(see the README), or serve on 127.0.0.1."
        )
    print("Curio is starting (building the guidance index on first run)...", flush=True)
    demo = build_app(settings)
    print(f"Curio is ready: open http://{settings.host}:{settings.port}", flush=True)
    demo.queue().launch(
        server_name=settings.host, server_port=settings.port, show_error=False, share=False
    )
