"""FusedClassifier: late fusion of the XLM-R-family and MuRIL-family encoders' probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from banglahate_gui.model.bundle import ENCODER_NAMES, BundleManifest, bundle_id, load_encoder, read_manifest
from banglahate_gui.model.conditional import compose_conditional
from banglahate_gui.model.device import resolve_device
from banglahate_gui.model.multitask import MultiTaskEncoder
from banglahate_gui.model.prediction import Prediction, predictions_from_proba
from banglahate_gui.text import normalize

Probabilities = dict[str, np.ndarray]
"""Task name → (n_texts, n_labels) probabilities."""


def fuse(p_xlmr: Probabilities, p_muril: Probabilities, weight: float) -> Probabilities:
    """P = w·P_xlmr + (1−w)·P_muril, task by task."""
    return {task: weight * p_xlmr[task] + (1.0 - weight) * p_muril[task] for task in p_xlmr}


class FusedClassifier:
    """Two independent multi-task encoders whose softmax outputs are averaged with weight `w`."""

    def __init__(self, branches: dict[str, tuple[MultiTaskEncoder, object]], manifest: BundleManifest,
                 device: str | torch.device = "auto", bundle_id: str = ""):
        self.manifest = manifest
        self.tasks = manifest.tasks
        self.fusion_weight = manifest.fusion_weight
        self.max_length = manifest.max_length
        self.bundle_id = bundle_id or manifest.name
        self.device = resolve_device(device)
        self.branches = branches
        for model, _ in branches.values():
            model.to(self.device).eval()

    def encoder_proba(self, texts: list[str], batch_size: int = 64) -> dict[str, Probabilities]:
        """Each encoder's softmax probabilities for already-normalized `texts`."""
        if not texts:
            empty = {t.name: np.zeros((0, t.num_labels), dtype=np.float32) for t in self.tasks}
            return {name: dict(empty) for name in self.branches}
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths batch with less padding
        out: dict[str, Probabilities] = {}
        for name, (model, tokenizer) in self.branches.items():
            chunks: dict[str, list[np.ndarray]] = {t.name: [] for t in self.tasks}
            for start in range(0, len(texts), batch_size):
                batch = [texts[i] for i in order[start:start + batch_size]]
                for task, proba in self._forward(model, tokenizer, batch).items():
                    chunks[task].append(proba)
            out[name] = {task: _unsort(np.concatenate(parts), order) for task, parts in chunks.items()}
        return out

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> Probabilities:
        """Fused probabilities for already-normalized `texts`."""
        per_encoder = self.encoder_proba(texts, batch_size)
        return fuse(per_encoder["xlmr"], per_encoder["muril"], self.fusion_weight)

    def predict(self, texts: list[str], batch_size: int = 64) -> list[Prediction]:
        """Normalize raw `texts` and classify them."""
        return self.predict_normalized([normalize(t) for t in texts], batch_size)

    def predict_normalized(self, texts: list[str], batch_size: int = 64) -> list[Prediction]:
        """Classify already-normalized `texts`."""
        return predictions_from_proba(texts, self.predict_proba(texts, batch_size), self.tasks)

    @torch.inference_mode()
    def _forward(self, model: MultiTaskEncoder, tokenizer, batch: list[str]) -> Probabilities:
        enc = tokenizer(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.device.type == "cuda"):
            logits = model(**enc)
        return {task: p.cpu().numpy() for task, p in compose_conditional(logits).items()}


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[order] = values
    return out


def load_bundle(path: str | Path, device: str | torch.device = "auto") -> FusedClassifier:
    """Load a bundle folder (safetensors only); `BundleError` names what is missing or wrong."""
    root = Path(path)
    manifest = read_manifest(root)
    branches = {name: load_encoder(root / name, manifest.tasks) for name in ENCODER_NAMES}
    return FusedClassifier(branches, manifest, device=device, bundle_id=bundle_id(root))
