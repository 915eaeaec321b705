"""The learned lens model: for each sentence read in its context, and for each of the fifteen
lenses, how likely the sentence is to fall short, to cover the ground, to merely mention the
subject, or none of these.

Why a fine-tuned model: a frozen sentence embedding carries topic, not stance, so "he says he
has changed" and "we cannot take his word that he has changed" sit side by side. Here the top
layers of the bundled all-MiniLM-L6-v2 are trained on labelled sentences in context, so stance,
negation and who is speaking are learned from many writers' wording instead of matched by rules.

How it is built: the lower layers stay as shipped (frozen); their output for every training
unit is computed once, and only the top ``trained_layers`` and a small head are trained over
those cached states (the loop is in ``training.py``). That makes training a few minutes on two
CPU cores, deterministic (fixed seeds, fixed thread count) and reproducible from the
repository's data, so no weights are kept in git: the trained top is cached under
``CURIO_HOME/cache`` keyed by the hashes of the data, the base model and the settings below.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: The four readings of a sentence for one lens, in the head's output order.
STATES = ("neither", "mention", "shortfall", "coverage")
MODEL_VERSION = "lens-model-1"


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that changes the trained weights; part of the cache key."""

    trained_layers: int = 2
    epochs: int = 3
    batch_size: int = 16
    learning_rate: float = 8e-5
    head_learning_rate: float = 2e-3
    weight_decay: float = 0.01
    #: Weight of the shortfall/coverage/mention classes against "neither" in the loss: most
    #: (sentence, lens) pairs are "neither", and a missed shortfall costs more than a question.
    class_weights: tuple[float, float, float, float] = (1.0, 1.5, 3.0, 3.0)
    max_tokens: int = 128
    seed: int = 13
    threads: int = 2


@dataclass(frozen=True)
class Unit:
    """One training or inference unit: a sentence with the heading and neighbours it sits in."""

    sentence: str
    before: str = ""
    after: str = ""
    heading: str = ""

    def context(self) -> str:
        parts = []
        if self.heading:
            parts.append(f"heading: {self.heading}")
        if self.before:
            parts.append(f"before: {self.before}")
        if self.after:
            parts.append(f"after: {self.after}")
        return " | ".join(parts)


class LensModel:
    """The base model's frozen lower layers, the fine-tuned top layers and the lens head.

    Each sentence is encoded once. The head reads the sentence's own top-layer vector beside
    the lower-layer vectors of its neighbours and of the heading it sits under, so context
    costs no extra pass: a review costs one pass per sentence, like a plain embedding.
    ``predict`` returns an array of shape (n_units, n_lenses, 4) of probabilities over
    :data:`STATES`.
    """

    def __init__(self, base_path: Path, lenses: Sequence[str], config: TrainingConfig) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.lenses = tuple(lenses)
        self.config = config
        self.tokenizer = AutoTokenizer.from_pretrained(str(base_path), local_files_only=True)
        base = AutoModel.from_pretrained(str(base_path), local_files_only=True)
        base.eval()
        self.embeddings = base.embeddings
        layers = list(base.encoder.layer)
        split = len(layers) - config.trained_layers
        self.frozen = torch.nn.ModuleList(layers[:split])
        self.top = torch.nn.ModuleList([copy.deepcopy(layer) for layer in layers[split:]])
        hidden = base.config.hidden_size
        self.hidden = hidden
        seed_all(config.seed)  # the head's starting weights are part of a deterministic training
        self.head = torch.nn.Sequential(
            torch.nn.Dropout(0.1),
            torch.nn.Linear(hidden * 4, len(self.lenses) * len(STATES)),
        )
        for p in list(self.embeddings.parameters()) + list(self.frozen.parameters()):
            p.requires_grad_(False)
        self._torch = torch
        self.read_dtype = torch.float32

    def use_precision(self, name: str) -> str:
        """Read in ``bfloat16`` ("auto": where the processor has native bfloat16 arithmetic),
        else ``float32``; returns the one chosen. On such processors a read costs about half,
        and probabilities move by about 0.01 at most (checked in tests/test_review_speed.py).
        Only for reading: the weights are converted in place, so train before calling it."""
        torch = self._torch
        want = name
        if name == "auto":
            want = "bfloat16" if bfloat16_native(torch) else "float32"
        dtype = torch.bfloat16 if want == "bfloat16" else torch.float32
        if dtype != self.read_dtype:
            for part in (self.embeddings, self.frozen, self.top):
                part.to(dtype)
            self.read_dtype = dtype
        return want

    # --- encoding ---------------------------------------------------------------------------
    def _lower_states(self, strings: Sequence[str], batch_size: int = 64):  # type: ignore[no-untyped-def]
        """Lower-layer states of each string alone: (unpadded fp16 states, pooled vectors).
        Training's path (padded batches); reading uses ``_read_strings``."""
        torch = self._torch
        order = sorted(range(len(strings)), key=lambda i: len(strings[i]))
        states: list[object] = [None] * len(strings)
        pooled = np.zeros((len(strings), self.hidden), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(order), batch_size):
                idx = order[i : i + batch_size]
                batch = self.tokenizer(
                    [strings[j] for j in idx],
                    truncation=True,
                    max_length=self.config.max_tokens,
                    padding=True,
                    return_tensors="pt",
                )
                h = self.embeddings(
                    input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"]
                )
                mask = _extended(batch["attention_mask"], h.dtype)
                for layer in self.frozen:
                    h = _run_layer(layer, h, mask)
                att = batch["attention_mask"]
                w = att.unsqueeze(-1).to(h.dtype)
                pooled[idx] = ((h * w).sum(1) / w.sum(1).clamp(min=1.0)).numpy()
                lengths = att.sum(1).tolist()
                for row, j in enumerate(idx):
                    states[j] = h[row, : int(lengths[row])].to(torch.float16).clone()
        return states, pooled

    def upper(self, h, attention_mask, context):  # type: ignore[no-untyped-def]
        """Trained layers over the sentence, mean-pooled, beside the context vectors; the head."""
        torch = self._torch
        mask = _extended(attention_mask, h.dtype)
        for layer in self.top:
            h = _run_layer(layer, h, mask)
        w = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * w).sum(1) / w.sum(1).clamp(min=1.0)
        logits = self.head(torch.cat([pooled, context], dim=-1))
        return logits.view(-1, len(self.lenses), len(STATES))

    def prepare(self, units: Sequence[Unit]):  # type: ignore[no-untyped-def]
        """Lower states for every distinct string, and each unit's context vector."""
        strings: dict[str, int] = {}
        for u in units:
            for s in (u.sentence, u.before, u.after, u.heading):
                if s and s not in strings:
                    strings[s] = len(strings)
        keys = list(strings)
        states, pooled = self._lower_states(keys)
        zero = np.zeros(self.hidden, dtype=np.float32)
        ctx = np.zeros((len(units), self.hidden * 3), dtype=np.float32)
        for i, u in enumerate(units):
            ctx[i] = np.concatenate(
                [pooled[strings[s]] if s else zero for s in (u.before, u.after, u.heading)]
            )
        rows = [strings[u.sentence] for u in units]
        return [states[r] for r in rows], ctx, pooled[rows]

    def predict(self, units: Sequence[Unit], batch_size: int = 32, with_pooled: bool = False):  # type: ignore[no-untyped-def]
        """Probabilities (n_units, n_lenses, 4); with ``with_pooled``, also each sentence's
        lower-layer vector (used to tell whether a text is about a family at all).

        Each distinct string is read once (a sentence is also its neighbours' context), each
        distinct sentence goes through the trained layers once, and only the small head runs
        per unit. Strings are grouped by their exact length in word pieces, so nothing is
        padded: a unit's probabilities depend on its own strings only, never on what else is
        in the batch (merged requests from several sessions give each the rows it would get
        alone; tests/test_review_speed.py checks it). ``batch_size`` is kept for callers; the
        groups are sized by length instead.
        """
        torch = self._torch
        n_states = len(STATES)
        out = np.zeros((len(units), len(self.lenses), n_states), dtype=np.float32)
        pooled = np.zeros((len(units), self.hidden), dtype=np.float32)
        if not units:
            return (out, pooled) if with_pooled else out
        self.head.eval()
        self.top.eval()
        index: dict[str, int] = {}
        for u in units:
            index.setdefault(u.sentence, len(index))
            for s in (u.before, u.after, u.heading):
                if s:
                    index.setdefault(s, len(index))
        sentence_rows = [index[u.sentence] for u in units]
        lower, top = self._read_strings(list(index), set(sentence_rows))
        zero = np.zeros(self.hidden, dtype=np.float32)
        ctx = np.stack(
            [
                np.concatenate(
                    [lower[index[s]] if s else zero for s in (u.before, u.after, u.heading)]
                )
                for u in units
            ]
        )
        with torch.inference_mode():
            features = torch.from_numpy(np.concatenate([top[sentence_rows], ctx], axis=1))
            logits = self.head(features).view(-1, len(self.lenses), n_states)
            out[:] = torch.softmax(logits, dim=-1).numpy()
        pooled = lower[sentence_rows]
        return (out, pooled) if with_pooled else out

    def pooled(self, units: Sequence[Unit]) -> np.ndarray:
        """Each sentence's lower-layer vector (no trained part involved)."""
        strings = [u.sentence for u in units]
        index = {s: i for i, s in enumerate(dict.fromkeys(strings))}
        lower, _ = self._read_strings(list(index), set())
        return lower[[index[s] for s in strings]]

    def _read_strings(self, strings: list[str], sentences: set[int]):  # type: ignore[no-untyped-def]
        """Mean-pooled lower-layer vectors of every string, and the trained layers' mean-pooled
        vectors of the strings at the indices in ``sentences`` (zeros elsewhere).

        Strings of one length in word pieces go through together with no padding and no mask.
        The trained layers read the lower states rounded to half precision, as training did
        (``fit`` caches them that way).
        """
        torch = self._torch
        from assistant.embed import apply_model_threads

        lower = np.zeros((len(strings), self.hidden), dtype=np.float32)
        top = np.zeros((len(strings), self.hidden), dtype=np.float32)
        if not strings:
            return lower, top
        ids = self.tokenizer(strings, truncation=True, max_length=self.config.max_tokens)[
            "input_ids"
        ]
        groups: dict[int, list[int]] = {}
        for i, row in enumerate(ids):
            groups.setdefault(len(row), []).append(i)
        with torch.inference_mode():
            apply_model_threads(torch)
            for length, rows in sorted(groups.items()):
                step = max(1, min(256, 8192 // max(length, 1)))  # bounded memory per call
                for start in range(0, len(rows), step):
                    part = rows[start : start + step]
                    input_ids = torch.tensor([ids[i] for i in part], dtype=torch.long)
                    h = self.embeddings(
                        input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids)
                    )
                    for layer in self.frozen:
                        h = _run_layer(layer, h, None)
                    lower[part] = h.mean(1).float().numpy()
                    picked = [k for k, i in enumerate(part) if i in sentences]
                    if not picked:
                        continue
                    x = h[picked].to(torch.float16).to(self.read_dtype)
                    for layer in self.top:
                        x = _run_layer(layer, x, None)
                    top[[part[k] for k in picked]] = x.mean(1).float().numpy()
        return lower, top

    # --- saving -----------------------------------------------------------------------------
    def state(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, t in self.top.state_dict().items():
            out[f"top.{name}"] = t.contiguous()
        for name, t in self.head.state_dict().items():
            out[f"head.{name}"] = t.contiguous()
        return out

    def save(
        self, path: Path, meta: dict[str, str], extra: dict[str, np.ndarray] | None = None
    ) -> None:
        """Write the trained weights atomically (safetensors: plain arrays, no pickle)."""
        from safetensors.torch import save_file

        torch = self._torch
        tensors = self.state()
        for name, arr in (extra or {}).items():
            tensors[name] = torch.from_numpy(np.ascontiguousarray(arr))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        save_file(tensors, str(tmp), metadata=meta)  # type: ignore[arg-type]
        os.replace(tmp, path)

    def load(self, path: Path, expect_meta: dict[str, str]) -> dict[str, np.ndarray]:
        """Load trained weights and return the extra arrays saved with them; raises ValueError
        when the file is damaged, or was made for other data."""
        tensors = load_arrays(path, expect_meta, framework="pt")
        top = {k[4:]: v for k, v in tensors.items() if k.startswith("top.")}
        head = {k[5:]: v for k, v in tensors.items() if k.startswith("head.")}
        try:
            self.top.load_state_dict(top, strict=True)
            self.head.load_state_dict(head, strict=True)
        except Exception as exc:
            raise ValueError(f"does not fit the model ({type(exc).__name__})") from exc
        self.top.eval()
        self.head.eval()
        return {k: v.numpy() for k, v in tensors.items() if not k.startswith(("top.", "head."))}


def load_arrays(path: Path, expect_meta: dict[str, str], framework: str = "np") -> dict[str, Any]:
    """Every array in a safetensors cache file; ValueError when the file is damaged or its
    metadata says it was made for other data (the cache is then rebuilt)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework=framework) as fh:
            meta = fh.metadata() or {}
            arrays = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118
    except Exception as exc:  # damaged or truncated file
        raise ValueError(f"unreadable ({type(exc).__name__})") from exc
    for key, value in expect_meta.items():
        if meta.get(key) != value:
            raise ValueError(f"made for other data ({key})")
    return arrays


def config_key(config: TrainingConfig) -> str:
    return json.dumps(asdict(config) | {"version": MODEL_VERSION}, sort_keys=True)


def data_hash(parts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8") + b"\0")
    return h.hexdigest()


# --- helpers --------------------------------------------------------------------------------


def bfloat16_native(torch) -> bool:  # type: ignore[no-untyped-def]
    """Whether this processor does bfloat16 arithmetic natively (AVX-512 BF16 or AMX); torch
    only says so through private calls, so any doubt means no."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        return False


def seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _extended(attention_mask, dtype):  # type: ignore[no-untyped-def]
    """BERT's additive mask: 0 where attended, a large negative number on padding."""
    import torch

    m = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min


def _run_layer(layer, h, mask):  # type: ignore[no-untyped-def]
    out = layer(h, attention_mask=mask)
    return out[0] if isinstance(out, tuple) else out
