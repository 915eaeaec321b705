"""The real app on a real server, for the tests that drive it over HTTP or in a browser.

One server per test module (the ``server`` fixture in ``conftest.py``), sharing the session's
embedding model and corpus index and built the way ``curio serve`` builds it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.settings import Settings


def make_curio(settings: Settings, embedder: Any, index: Any) -> Any:
    """The real chat layer, built as the app builds it."""
    from assistant.runtime import build

    return build(settings).curio


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    settings: Settings
    demo: Any
    cache_dir: Path


def start_server(
    make_settings: Callable[..., Settings], embedder: Any, index: Any, tmp: Path
) -> Iterator[Server]:
    """Build and launch the app in-process on a free port; close it afterwards."""
    from assistant.app import build_app, launch

    old = os.environ.get("GRADIO_TEMP_DIR")
    cache = tmp / "gradio-cache"
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(cache)
    settings = make_settings(
        index=index.settings.index_dir, port=free_port(), max_upload_mb=1.0, host="127.0.0.1"
    )
    demo = build_app(settings, curio=make_curio(settings, embedder, index), index=index)
    try:
        launch(demo, settings, prevent_thread_lock=True, quiet=True)
        yield Server(f"http://127.0.0.1:{settings.port}/", settings, demo, cache)
    finally:
        demo.close()
        if old is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = old
