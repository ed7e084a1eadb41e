"""Multi-task fine-tuning of one encoder with the reference recipe."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import get_linear_schedule_with_warmup

from banglahate_gui.model.conditional import compose_conditional
from banglahate_gui.model.multitask import MultiTaskEncoder
from banglahate_gui.train.batches import Encoded, iterate
from banglahate_gui.train.losses import MultiTaskLoss, inverse_frequency_weights, mask_conditional
from banglahate_gui.train.metrics import headline, selection_score, task_scores
from banglahate_gui.train.fusion import SLICE_SHARE
from banglahate_gui.train.presets import Preset


@dataclass
class FinetuneResult:
    best_epoch: int
    best_scores: dict
    history: list[dict] = field(default_factory=list)


def _optimizer(model: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim == 1 or "LayerNorm" in name or "norm" in name.lower() else decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr)


@torch.inference_mode()
def predict_encoded(model: MultiTaskEncoder, data: Encoded, pad_id: int, device: torch.device,
                    batch_size: int = 128) -> dict[str, np.ndarray]:
    model.eval()
    parts: dict[str, list[np.ndarray]] = {t.name: [] for t in model.tasks}
    for input_ids, mask, _ in iterate(data, batch_size, pad_id):
        with torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda"):
            logits = model(input_ids.to(device), mask.to(device))
        for task, p in compose_conditional(logits, model.tasks).items():
            parts[task].append(p.cpu().numpy())
    return {k: np.concatenate(v) for k, v in parts.items()}


@torch.inference_mode()
def _validation_loss(model, loss_fn, data: Encoded, pad_id: int, device: torch.device) -> float:
    model.eval()
    total, n = 0.0, 0
    for input_ids, mask, labels in iterate(data, 128, pad_id):
        logits = model(input_ids.to(device), mask.to(device))
        total += loss_fn(logits, {k: v.to(device) for k, v in labels.items()}).item() * len(input_ids)
        n += len(input_ids)
    return total / max(n, 1)


def finetune(model: MultiTaskEncoder, pad_id: int, train: Encoded, val: Encoded, preset: Preset,
             device: torch.device, seed: int, checkpoint: Path | None = None,
             log: Callable[[str], None] = print, val_slice: np.ndarray | None = None,
             epoch_ids: Callable[[int], list[list[int]]] | None = None) -> FinetuneResult:
    """Train `model` in place; on return it holds the best-by-validation-score weights.

    AdamW + linear warm-up, grad-clip, class-weighted masked loss, mixed precision on CUDA, early stopping on
    validation loss. The checkpoint score is `selection_score` on validation, mixed with the same score on the
    rows of `val_slice` (e.g. meme captions) with share `SLICE_SHARE`. `epoch_ids(epoch)`, when given, returns
    the training token ids for that epoch (e.g. with fresh OCR-noise corruption; labels stay `train.labels`).
    With `checkpoint`, state is saved after every epoch and a run resumes from it.
    """
    torch.manual_seed(seed)
    tasks = model.tasks
    train_labels = mask_conditional(train.labels, tasks)
    val_masked = Encoded(val.ids, mask_conditional(val.labels, tasks))
    weights = {t.name: inverse_frequency_weights(train_labels[t.name], t).to(device) for t in tasks}
    loss_fn = MultiTaskLoss(weights, tasks).to(device)
    model.to(device)
    optimizer = _optimizer(model, preset.lr, preset.weight_decay)
    steps = preset.epochs * ((len(train) + preset.batch_size - 1) // preset.batch_size)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(preset.warmup_ratio * steps), steps)
    scaler = torch.amp.GradScaler(enabled=device.type == "cuda")
    rng = np.random.default_rng(seed)
    result = FinetuneResult(best_epoch=-1, best_scores={})
    best_state, best_f1, best_loss, stale, start_epoch = None, -1.0, float("inf"), 0, 0
    if checkpoint is not None and checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=True, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        best_state = state["best_model"]
        start_epoch, best_f1, best_loss, stale = state["epoch"] + 1, state["best_f1"], state["best_loss"], state["stale"]
        result = FinetuneResult(state["best_epoch"], state.get("best_scores", {}), state.get("history", []))
        rng = np.random.default_rng(seed + start_epoch)
        log(f"  resumed from {checkpoint} at epoch {start_epoch}")
    for epoch in range(start_epoch, preset.epochs):
        model.train()
        started, losses = time.time(), []
        train_data = Encoded(epoch_ids(epoch) if epoch_ids is not None else train.ids, train_labels)
        for input_ids, mask, labels in iterate(train_data, preset.batch_size, pad_id, rng):
            with torch.autocast(device.type, dtype=torch.float16, enabled=device.type == "cuda"):
                logits = model(input_ids.to(device), mask.to(device))
            loss = loss_fn(logits, {k: v.to(device) for k, v in labels.items()})
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), preset.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            losses.append(loss.item())
        val_loss = _validation_loss(model, loss_fn, val_masked, pad_id, device)
        val_proba = predict_encoded(model, val, pad_id, device)
        scores = task_scores(val.labels, val_proba, tasks)
        mean_f1 = selection_score(scores, tasks)
        if val_slice is not None and val_slice.any():
            in_slice = {k: v[val_slice] for k, v in val.labels.items()}
            sliced = selection_score(task_scores(in_slice, {k: v[val_slice] for k, v in val_proba.items()}, tasks), tasks)
            mean_f1 = (1 - SLICE_SHARE) * mean_f1 + SLICE_SHARE * sliced
        result.history.append({"epoch": epoch, "train_loss": float(np.mean(losses)), "val_loss": val_loss,
                               "val_selection_score": mean_f1,
                               "val_scores": {t.name: round(headline(scores[t.name], t), 4) for t in tasks},
                               "seconds": time.time() - started})
        log(f"  epoch {epoch}: train loss {np.mean(losses):.3f}  val loss {val_loss:.3f}  "
            f"val score {mean_f1:.4f}  ({time.time() - started:.0f}s)")
        if mean_f1 > best_f1:
            best_f1, best_state = mean_f1, copy.deepcopy(model.state_dict())
            result.best_epoch, result.best_scores = epoch, scores
        stale = 0 if val_loss < best_loss else stale + 1
        best_loss = min(best_loss, val_loss)
        if checkpoint is not None:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "best_model": best_state, "epoch": epoch,
                        "best_f1": best_f1, "best_loss": best_loss, "stale": stale,
                        "best_epoch": result.best_epoch, "best_scores": result.best_scores,
                        "history": result.history}, checkpoint)
        if stale >= preset.patience:
            log(f"  early stop: validation loss has not improved for {stale} epochs")
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return result
