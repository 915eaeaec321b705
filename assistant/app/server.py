"""Serving the page: Curio's safe launch defaults, the start-up checks, the warm-up and the port
check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from assistant.app.export import (
    _EXPORTS,
)
from assistant.app.layout import build_app
from assistant.app.words import (
    CSS,
    LOOPBACK,
)
from assistant.errors import CurioError
from assistant.limits import upload_bytes
from assistant.settings import Settings, get_settings, offline_switches

log = logging.getLogger("curio.app")


#: Requests the Gradio queue runs at once. Reviews and asks share one encoder, whose queue
#: (assistant/embed.py) merges the sentences of requests that arrive together into one model
#: call, so more requests in flight means fuller batches, not more model copies: 24 sessions
#: reviewing at once finish sooner with 24 in flight than with 4 (evals/bench, load section).
QUEUE_CONCURRENCY = 24

SIGN_IN_MESSAGE = (
    "Sign in to Curio with the account your team set up for you. After 5 wrong passwords "
    "for one name, signing in with that name pauses for 15 minutes."
)


def launch(
    demo: Any,
    settings: Settings,
    *,
    auth: Callable[[str, str], bool] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
    lockout: Any = None,
    concurrency: int = QUEUE_CONCURRENCY,
) -> Any:
    """Start the server with Curio's safe defaults (no sharing, no tracebacks, size limits).

    Every request passes ``webguard.CurioGuard`` first: the file routes serve only Curio's own
    exports and uploads and never fetch a URL, and with ``auth`` the sign-in route counts wrong
    passwords (``lockout``, default 5 per name and 20 per address in 15 minutes).
    """
    import gradio as gr
    from starlette.middleware import Middleware

    from assistant.webguard import CurioGuard, FilePolicy, Lockout, refuse_gradio_downloads

    refuse_gradio_downloads()
    limit = upload_bytes(settings.max_upload_mb)
    curio_app = getattr(demo, "curio_app", None)
    audit = None
    if auth is not None:
        if curio_app is not None:
            audit = curio_app.audit
        else:
            from assistant.audit import AuditLog

            audit = AuditLog(settings.audit_path, settings.audit_max_bytes)
    guard = Middleware(
        CurioGuard,
        files=FilePolicy(exports=lambda: list(_EXPORTS), uploads=demo.GRADIO_CACHE),
        lockout=(lockout or Lockout()) if auth is not None else None,
        audit=audit,
        known_user=getattr(auth, "knows", lambda _name: False),
    )
    return demo.queue(default_concurrency_limit=concurrency).launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        show_error=False,
        auth=auth,
        auth_message=SIGN_IN_MESSAGE if auth else None,
        max_file_size=limit * 2,  # our own check gives the clearer message below this
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        footer_links=[],
        theme=gr.themes.Soft(primary_hue="teal"),
        css=CSS,
        ssr_mode=False,
        mcp_server=False,
        app_kwargs={"middleware": [guard]},
    )


def serve(settings: Settings | None = None) -> None:
    offline_switches()
    settings = settings or get_settings()
    from assistant.preflight import check_port, check_settings

    check_port(settings.port, "The port (--port or CURIO_PORT)")
    check_settings(settings, index=True, corpus=True, audit=True, prompts=True, auth=True)
    if settings.host not in LOOPBACK and settings.auth_file is None:
        raise CurioError(
            f"Refusing to serve on {settings.host} without authentication: set CURIO_AUTH_FILE "
            "(see the README), or serve on 127.0.0.1."
        )
    auth = None
    if settings.auth_file is not None:
        from assistant.auth import Authenticator

        auth = Authenticator(settings.auth_file)
        auth.check_ready()
    check_port_free(settings.host, settings.port)
    print(
        "Curio is starting (the first run builds the guidance index: about a minute)...", flush=True
    )
    from assistant.embed import use_serving_threads

    use_serving_threads()
    demo = build_app(settings)
    warm_in_background(demo)
    print(
        f"Curio is ready: open http://{settings.host}:{settings.port} in your browser "
        "(Ctrl+C stops it).",
        flush=True,
    )
    launch(demo, settings, auth=auth)


def warm_in_background(demo: Any) -> threading.Thread | None:
    """Encode the guidance that walkthroughs quote while the server starts (``Curio.warm``),
    so the first sessions do not wait for it; a failure only costs that head start."""
    curio = getattr(getattr(demo, "curio_app", None), "curio", None)
    warm = getattr(curio, "warm", None)
    if warm is None:
        return None

    def run() -> None:
        try:
            warm()
        except Exception:
            log.exception("warming the guidance failed")

    thread = threading.Thread(target=run, name="curio-warm", daemon=True)
    thread.start()
    return thread


def check_port_free(host: str, port: int) -> None:
    """Fail fast, with a way out, when the address cannot be used: another program (often
    Curio itself) holds the port, the port is out of range, or the host is not this computer's."""
    import errno
    import socket

    from assistant.preflight import check_port, reason

    check_port(port, "The port (--port or CURIO_PORT)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror as exc:
            raise CurioError(
                f"Cannot listen on {host}: it is not an address or a name this computer knows "
                "(use --host 127.0.0.1, or an address of this computer)."
            ) from exc
        except (OSError, OverflowError) as exc:
            code = getattr(exc, "errno", None)
            if code == errno.EADDRINUSE:
                raise CurioError(
                    f"Port {port} on {host} is already in use (is Curio already running?): open "
                    f"http://{host}:{port}, or start on another port with --port or CURIO_PORT."
                ) from exc
            if code == errno.EADDRNOTAVAIL:
                raise CurioError(
                    f"Cannot listen on {host}: it is not an address of this computer (use "
                    "--host 127.0.0.1, or one of this computer's addresses)."
                ) from exc
            if code == errno.EACCES:
                raise CurioError(
                    f"Port {port} needs administrator rights on this computer: choose a port "
                    "above 1023 with --port or CURIO_PORT."
                ) from exc
            why = reason(exc) if isinstance(exc, OSError) else str(exc)
            raise CurioError(f"Cannot listen on {host} port {port}: {why}.") from exc
