"""FusedClassifier: per-task late fusion of the members' probabilities, temperature-scaled, with decision offsets.

For task t: P_t = softmax(log(Σ_m w_{t,m}·P_{t,m}) / T_t); the label is argmax(log P_t + offsets_t).
Texts with nothing to judge (`sufficiency.has_judgeable_text`) get `insufficient_text` without scoring.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from banglahate_gui.model.bundle import ENCODER_NAMES, LEXICAL_NAME, BundleManifest, bundle_id, read_manifest
from banglahate_gui.model.calibration import apply_temperature
from banglahate_gui.model.conditional import compose
from banglahate_gui.model.device import resolve_device
from banglahate_gui.model.lexical import LexicalMember
from banglahate_gui.model.multitask import MultiTaskEncoder
from banglahate_gui.model.prediction import Prediction, insufficient_prediction, predictions_from_proba
from banglahate_gui.model.schema import Task
from banglahate_gui.model.sufficiency import has_judgeable_text
from banglahate_gui.text import normalize

Probabilities = dict[str, np.ndarray]
"""Task name → (n_texts, n_labels) probabilities."""


def fuse(p_xlmr: Probabilities, p_muril: Probabilities, weight: float) -> Probabilities:
    """The paper's two-encoder fusion: P = w·P_xlmr + (1−w)·P_muril, task by task."""
    return {task: weight * p_xlmr[task] + (1.0 - weight) * p_muril[task] for task in p_xlmr}


def fuse_members(per_member: dict[str, Probabilities], weights: dict[str, dict[str, float]]) -> Probabilities:
    """P_t = Σ_m w_{t,m}·P_{t,m} for every task t of `weights`."""
    return {task: sum(w * per_member[m][task] for m, w in by_member.items()) for task, by_member in weights.items()}


class FusedClassifier:
    """Encoders and/or the lexical member, fused per task with the bundle's weights and calibration."""

    def __init__(self, members: dict[str, object], manifest: BundleManifest, device: str | torch.device = "auto",
                 bundle_id: str = ""):
        self.manifest = manifest
        self.tasks: tuple[Task, ...] = manifest.tasks
        self.fusion_weight = manifest.fusion
        self.max_length = manifest.max_length
        self.bundle_id = bundle_id or manifest.name
        self.device = resolve_device(device)
        self.members = members
        self.branches = {n: members[n] for n in ENCODER_NAMES if n in members}
        for model, _ in self.branches.values():
            model.to(self.device).eval()
        self.inference = "torch"
        """The path the encoders run on: "torch", "onnx" or "onnx-int8" (`model.onnx`)."""
        self.runtimes: dict[str, object] = {}
        """Encoder member → ONNX Runtime session used instead of PyTorch (empty on "torch")."""

    def use(self, inference: str, runtimes: dict[str, object]) -> None:
        """Run the encoders in `runtimes` (member → `model.onnx.OnnxEncoder`) on ONNX Runtime, the rest on
        PyTorch; `inference` names the path. LIME, triage and the GUI all go through `member_proba`."""
        self.inference, self.runtimes = inference, dict(runtimes)

    def member_proba(self, texts: list[str], batch_size: int = 64,
                     names: tuple[str, ...] | None = None) -> dict[str, Probabilities]:
        """Each member's (uncalibrated) probabilities for already-normalized `texts` (only the members
        `names`, when given)."""
        members = {n: m for n, m in self.members.items() if names is None or n in names}
        if not texts:
            empty = {t.name: np.zeros((0, t.num_labels), dtype=np.float32) for t in self.tasks}
            return {name: dict(empty) for name in members}
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths batch with less padding
        out: dict[str, Probabilities] = {}
        for name, member in members.items():
            if name == LEXICAL_NAME:
                out[name] = member.predict_proba(list(texts))
                continue
            model, tokenizer = member
            # one tokenizer call for all texts (its Rust side runs them in parallel), padded per batch
            ids = tokenizer([texts[i] for i in order], truncation=True, max_length=self.max_length)["input_ids"]
            chunks: dict[str, list[np.ndarray]] = {t.name: [] for t in self.tasks}
            for start in range(0, len(texts), batch_size):
                input_ids, mask = pad_ids(ids[start:start + batch_size], tokenizer.pad_token_id)
                for task, proba in self._forward(name, model, input_ids, mask).items():
                    chunks[task].append(proba)
            out[name] = {task: _unsort(np.concatenate(parts), order) for task, parts in chunks.items()}
        return out

    def calibrate(self, fused: Probabilities) -> Probabilities:
        """The bundle's per-task temperatures applied to fused probabilities."""
        return {t.name: apply_temperature(fused[t.name], self.manifest.temperature(t.name), t.kind)
                for t in self.tasks}

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> Probabilities:
        """Fused, calibrated probabilities for already-normalized `texts` (no insufficient-text rule)."""
        return self.calibrate(fuse_members(self.member_proba(texts, batch_size), self.manifest.fusion))

    def predict(self, texts: list[str], batch_size: int = 64) -> list[Prediction]:
        """Normalize raw `texts` and classify them."""
        return self.predict_normalized([normalize(t) for t in texts], batch_size)

    def predict_normalized(self, texts: list[str], batch_size: int = 64) -> list[Prediction]:
        """Classify already-normalized `texts`; those with nothing to judge get `insufficient_text`."""
        judgeable = [i for i, t in enumerate(texts) if has_judgeable_text(t)]
        judged = [texts[i] for i in judgeable]
        scored = dict(zip(judgeable, predictions_from_proba(judged, self.predict_proba(judged, batch_size), self.tasks,
                                                            self.manifest.offsets)))
        return [scored[i] if i in scored else insufficient_prediction(t, self.tasks) for i, t in enumerate(texts)]

    @torch.inference_mode()
    def _forward(self, name: str, model: MultiTaskEncoder, input_ids: np.ndarray, mask: np.ndarray) -> Probabilities:
        runtime = self.runtimes.get(name)
        if runtime is not None:
            return compose(runtime(input_ids, mask), self.tasks)
        enc = {"input_ids": torch.from_numpy(input_ids).to(self.device),
               "attention_mask": torch.from_numpy(mask).to(self.device)}
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.device.type == "cuda"):
            logits = model(**enc)
        return compose({task: v.float().cpu().numpy() for task, v in logits.items()}, self.tasks)


def pad_ids(ids: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded int64 (input_ids, attention_mask) of token-id lists, as wide as the longest."""
    width = max(len(x) for x in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, x in enumerate(ids):
        input_ids[i, :len(x)] = x
        mask[i, :len(x)] = 1
    return input_ids, mask


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[order] = values
    return out


def load_encoder(folder: Path, tasks: tuple[Task, ...], max_length: int):
    """(model, tokenizer) of one encoder member, strictly checked."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    from banglahate_gui.errors import BundleError

    hf_logging.disable_progress_bar()
    model = MultiTaskEncoder.load_strict(folder, tasks, max_length)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise BundleError(f"{folder / 'tokenizer.json'}: cannot load the tokenizer ({exc})") from exc
    if len(tokenizer) > model.encoder.config.vocab_size:
        raise BundleError(f"{folder / 'config.json'}: vocab_size: {model.encoder.config.vocab_size} is smaller "
                          f"than the tokenizer's {len(tokenizer)} pieces")
    return model, tokenizer


def load_bundle(path: str | Path, device: str | torch.device = "auto", inference: str | None = None) -> FusedClassifier:
    """Load a bundle folder (safetensors and JSON only); `BundleError` names what is missing or wrong.

    `inference` (default `$BANGLAHATE_INFERENCE`, else "auto"): "torch", "onnx", "onnx-int8", or "auto" =
    the fastest measured on this machine's CPU, never instead of CUDA (`model.onnx.configure`)."""
    from banglahate_gui.model.onnx import configure

    root = Path(path)
    manifest = read_manifest(root)
    members: dict[str, object] = {}
    for name in manifest.members:
        if name == LEXICAL_NAME:
            members[name] = LexicalMember.load(root / name, manifest.tasks)
        else:
            members[name] = load_encoder(root / name, manifest.tasks, manifest.max_length)
    classifier = FusedClassifier(members, manifest, device=device, bundle_id=bundle_id(root))
    configure(classifier, root, inference)
    return classifier
