"""Training the lens model: the loop that fine-tunes its top layers and head over the cached
lower-layer states (``model.py`` keeps the model, its encoding and its weights' cache file).

Deterministic for a given data set, config and thread count: fixed seeds, batches of similar
length drawn from a seeded generator, and a fixed warm-up and linear decay.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence

import numpy as np

from assistant.review.model import STATES, LensModel, Unit, seed_all


def fit(
    model: LensModel,
    units: Sequence[Unit],
    targets: np.ndarray,
    progress: Callable[[float], None] | None = None,
) -> dict[str, float]:
    """Train the model's top layers and head. ``targets``: int array (n_units, n_lenses) of state
    indices. Deterministic for a given data set, config and thread count."""
    import torch

    if model.read_dtype != torch.float32:
        raise RuntimeError("the lens model was switched to reduced precision for reading")
    cfg = model.config
    say = progress or (lambda _fraction: None)
    seed_all(cfg.seed)
    torch.set_num_threads(cfg.threads)
    started = time.perf_counter()
    say(0.0)
    states, ctx_all, _ = model.prepare(units)
    ctx_t = torch.from_numpy(ctx_all)
    lower_s = time.perf_counter() - started
    say(0.1)
    params = [
        {"params": list(model.top.parameters()), "lr": cfg.learning_rate},
        {"params": list(model.head.parameters()), "lr": cfg.head_learning_rate},
    ]
    opt = torch.optim.AdamW(params, weight_decay=cfg.weight_decay)
    n_batches = math.ceil(len(units) / cfg.batch_size)
    total = n_batches * cfg.epochs
    warm = max(1, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / total)
    )
    weights = torch.tensor(cfg.class_weights, dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    y_all = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    rng = random.Random(cfg.seed)
    model.top.train()
    model.head.train()
    step_no = 0
    last = 0.0
    for _epoch in range(cfg.epochs):
        # Batches of similar length (shuffled within and between) keep padding small.
        idx_all = sorted(range(len(units)), key=lambda i: (int(states[i].shape[0]), rng.random()))
        batches = [idx_all[b * cfg.batch_size : (b + 1) * cfg.batch_size] for b in range(n_batches)]
        rng.shuffle(batches)
        running = 0.0
        for b, idx in enumerate(batches):
            h, att = _pad([states[j] for j in idx], torch)
            logits = model.upper(h, att, ctx_t[idx])
            loss = loss_fn(logits.reshape(-1, len(STATES)), y_all[idx].reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(
                list(model.top.parameters()) + list(model.head.parameters()), 1.0
            )
            opt.step()
            sched.step()
            step_no += 1
            running += float(loss.detach())
            if b % 20 == 0:
                say(0.1 + 0.9 * step_no / total)
        last = running / max(1, n_batches)
    model.top.eval()
    model.head.eval()
    return {
        "lower_seconds": round(lower_s, 1),
        "train_seconds": round(time.perf_counter() - started - lower_s, 1),
        "final_loss": round(last, 4),
        "units": len(units),
    }


def _pad(states, torch):  # type: ignore[no-untyped-def]
    """Pad cached per-sentence states into one batch (float32) with its attention mask."""
    n = max(int(x.shape[0]) for x in states)
    dim = int(states[0].shape[-1])
    h = torch.zeros((len(states), n, dim), dtype=torch.float32)
    att = torch.zeros((len(states), n), dtype=torch.long)
    for i, x in enumerate(states):
        k = int(x.shape[0])
        h[i, :k] = x.to(torch.float32)
        att[i, :k] = 1
    return h, att
