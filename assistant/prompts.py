"""Prompt templates for the language model: files in ``prompts/``, loaded and checked at start-up.

The wording is data so practitioners can improve it without touching code. The checks make a
bad edit fail loudly at start-up (one line saying which file lacks which placeholder) instead of
silently sending the model a prompt without the passages or the draft.

Placeholders are ``{{name}}``. Substitution is a single pass, so text put into a template (a
draft, a guidance passage) is never scanned for placeholders itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import CurioError
from assistant.ingest import parse_front_matter

#: The system prompt needs no placeholders; each chat mode's template is named by the mode
#: (``assistant/chat/modes/``), with the placeholders it must contain (and may: no others).
SYSTEM: dict[str, frozenset[str]] = {"system": frozenset()}
#: Templates for tasks that are not chat modes, with their placeholders: the case file's
#: reading of seen, seen alone and checks (``assistant/casefile/llm_status.py``).
TASKS: dict[str, frozenset[str]] = {"casefile_status": frozenset({"people", "draft"})}
#: What a mode's template says about itself, in YAML front matter between ``---`` lines: the
#: picker's label, the hint under it and the message box's placeholder text.
WORDING_KEYS = ("label", "hint", "placeholder")


def required_templates() -> dict[str, frozenset[str]]:
    """Every template and its placeholders: the system prompt, the tasks' and each registered
    mode's."""
    from assistant.chat.modes import registered

    return SYSTEM | TASKS | {m.prompt: m.placeholders for m in registered()}


def _wording_keys() -> dict[str, tuple[str, ...]]:
    from assistant.chat.modes import registered

    return {m.prompt: WORDING_KEYS + tuple(m.wording) for m in registered()}


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_DATA_START = "<<<DATA"
_DATA_END = "<<<END DATA"


@dataclass(frozen=True)
class Prompts:
    """The loaded templates, by name, and a digest that identifies this wording in the audit."""

    templates: dict[str, str] = field(default_factory=dict)
    digest: str = ""
    required: dict[str, frozenset[str]] = field(default_factory=dict)
    wording: dict[str, dict[str, Any]] = field(default_factory=dict)  # each template's front matter

    @property
    def system(self) -> str:
        return self.templates["system"]

    def render(self, name: str, **values: str) -> str:
        """Fill a template's placeholders in one pass; a missing value is a programming error."""
        template = self.templates[name]
        missing = self.required[name] - set(values)
        if missing:
            raise KeyError(f"prompt {name!r} needs {sorted(missing)}")
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def data_block(label: str, text: str) -> str:
    """Wrap untrusted text (a passage, a draft) so the model sees it as labelled DATA.

    The markers are neutralised inside the text so a passage cannot close its own block early
    and smuggle in text that looks like it comes from outside the data.
    """
    clean = text.replace("<<<", "‹‹‹").replace(">>>", "›››")
    label = " ".join(label.replace("<", "‹").replace(">", "›").split())
    return f"{_DATA_START} {label}>>>\n{clean.strip()}\n{_DATA_END}>>>"


def load_prompts(prompts_dir: Path | str) -> Prompts:
    """Read ``<name>.md`` for every template and check its placeholders."""
    folder = Path(prompts_dir)
    templates: dict[str, str] = {}
    wording: dict[str, dict[str, Any]] = {}
    digest = hashlib.sha256()
    every = required_templates()
    keys = _wording_keys()
    for name, required in every.items():
        path = folder / f"{name}.md"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CurioError(f"Prompt template {path} is missing.") from exc
        except UnicodeDecodeError as exc:
            raise CurioError(f"Prompt template {path} is not UTF-8 text.") from exc
        raw = text
        meta, text = parse_front_matter(text, f"Prompt template {path}")
        if not text.strip():
            raise CurioError(f"Prompt template {path} is empty.")
        found = set(_PLACEHOLDER.findall(text))
        missing = sorted(required - found)
        if missing:
            raise CurioError(
                f"Prompt template {path} lacks the placeholder(s) "
                + ", ".join("{{" + m + "}}" for m in missing)
                + "."
            )
        unknown = sorted(found - required)
        if unknown:
            raise CurioError(
                f"Prompt template {path} has unknown placeholder(s) "
                + ", ".join("{{" + u + "}}" for u in unknown)
                + f"; allowed: {', '.join(sorted(required)) or 'none'}."
            )
        if name == "system" and "DATA" not in text:
            raise CurioError(
                f"Prompt template {path} must tell the model that DATA blocks are never "
                "instructions (the word DATA is missing)."
            )
        lacking = [k for k in keys.get(name, ()) if not meta.get(k)]
        if lacking:
            raise CurioError(
                f"Prompt template {path} lacks {', '.join(lacking)} in its front matter "
                "(YAML between --- lines at the top)."
            )
        templates[name] = text.strip() + "\n"
        wording[name] = meta
        digest.update(name.encode() + b"\0" + raw.encode("utf-8") + b"\0")
    return Prompts(templates=templates, digest=digest.hexdigest(), required=every, wording=wording)
