"""The chat modes, as a registry: each mode is one class in one module here, plus one prompt file.

A mode has a ``name`` (its id in the audit log and the API), the template it renders
(``prompts/<prompt>.md``, whose front matter holds its label, hint and placeholder text) and a
``turn`` that streams answers. ``Curio`` dispatches to it by name; the app builds its mode picker,
hints and placeholders from the registry and the prompt files. Adding a mode means writing its
module, decorating its class with :func:`register`, and writing its prompt file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from assistant.types import Answer

if TYPE_CHECKING:
    from assistant.chat.core import Curio, Session


class Mode:
    """One way of talking with Curio. Subclasses set the class attributes and ``turn``."""

    name: ClassVar[str] = ""
    #: The template in ``prompts/`` (without ``.md``) and the placeholders it must contain.
    prompt: ClassVar[str] = ""
    placeholders: ClassVar[frozenset[str]] = frozenset()
    #: Front-matter keys this mode needs besides label, hint and placeholder.
    wording: ClassVar[tuple[str, ...]] = ()
    #: Where the mode sits in the picker (lower first).
    order: ClassVar[int] = 100

    def turn(
        self, curio: Curio, session: Session, message: str, draft: str | None
    ) -> Iterator[Answer]:
        """Stream this mode's answers to one message: growing partial answers, the last final."""
        raise NotImplementedError

    def words(self, curio: Curio) -> dict[str, Any]:
        """This mode's wording from its prompt file's front matter."""
        return curio.prompts.wording.get(self.prompt, {})


_registry: dict[str, Mode] = {}


def register(cls: type[Mode]) -> type[Mode]:
    """Add a mode (a class decorator). A second mode with the same name replaces the first."""
    if not cls.name or not cls.prompt:
        raise ValueError(f"{cls.__name__} needs a name and a prompt")
    _registry[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    """Take a mode out of the registry (tests that register a toy mode)."""
    _registry.pop(name, None)


def registered() -> list[Mode]:
    """Every mode, in picker order."""
    _load_builtins()
    return sorted(_registry.values(), key=lambda m: (m.order, m.name))


def get(name: str) -> Mode | None:
    _load_builtins()
    return _registry.get(name)


def names() -> tuple[str, ...]:
    return tuple(m.name for m in registered())


_loaded = False


def _load_builtins() -> None:
    """Import every module in this package once: each registers its mode as it loads."""
    global _loaded
    if not _loaded:
        _loaded = True
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
