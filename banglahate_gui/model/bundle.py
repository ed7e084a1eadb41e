"""Bundle folders: `bundle.json` + one transformers-style folder per encoder (safetensors only)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from transformers import AutoTokenizer, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from banglahate_gui.errors import BundleError
from banglahate_gui.model.multitask import ENCODER_FILES, MultiTaskEncoder
from banglahate_gui.model.schema import TASKS, Task, schema_dict, tasks_from_dict
from banglahate_gui.text import NORMALIZER_VERSION

BUNDLE_FILE = "bundle.json"
BUNDLE_FORMAT = "banglahatenet-bundle/1"
ENCODER_NAMES = ("xlmr", "muril")
"""Fusion order: P = w·P_xlmr + (1−w)·P_muril."""


@dataclass
class BundleManifest:
    """The content of `bundle.json`."""

    name: str
    fusion_weight: float = 0.5
    fusion_curve: list[dict] = field(default_factory=list)
    max_length: int = 128
    tasks: tuple[Task, ...] = TASKS
    normalizer_version: str = NORMALIZER_VERSION
    encoders: dict[str, dict] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "format": BUNDLE_FORMAT,
            "name": self.name,
            "tasks": schema_dict(self.tasks),
            "fusion": {"weight": self.fusion_weight, "validation_curve": self.fusion_curve},
            "max_length": self.max_length,
            "normalizer_version": self.normalizer_version,
            "encoders": self.encoders,
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, data: dict) -> BundleManifest:
        fusion = data.get("fusion", {})
        return cls(
            name=data["name"],
            fusion_weight=float(fusion.get("weight", 0.5)),
            fusion_curve=list(fusion.get("validation_curve", [])),
            max_length=int(data.get("max_length", 128)),
            tasks=tasks_from_dict(data["tasks"]),
            normalizer_version=str(data.get("normalizer_version", "")),
            encoders=dict(data.get("encoders", {})),
            provenance=dict(data.get("provenance", {})),
        )


def bundle_id(path: str | Path) -> str:
    """`name@hash`: identifies the exact bundle a decision was made with."""
    raw = (Path(path) / BUNDLE_FILE).read_bytes()
    return f"{json.loads(raw)['name']}@{hashlib.sha256(raw).hexdigest()[:12]}"


def save_bundle(
    out_dir: str | Path,
    encoders: dict[str, tuple[MultiTaskEncoder, PreTrainedTokenizerBase]],
    manifest: BundleManifest,
    half: bool = False,
) -> Path:
    """Write a bundle; `encoders` maps each of `ENCODER_NAMES` to (model, tokenizer)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hf_logging.disable_progress_bar()
    for name in ENCODER_NAMES:
        model, tokenizer = encoders[name]
        model.save_pretrained(out / name, half=half)
        tokenizer.save_pretrained(str(out / name))
        manifest.encoders[name] = {"path": name, "model_type": model.encoder.config.model_type}
    (out / BUNDLE_FILE).write_text(json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def read_manifest(path: str | Path) -> BundleManifest:
    """Validate a bundle folder and read its manifest; `BundleError` lists everything missing."""
    root = Path(path)
    if not root.is_dir():
        raise BundleError(f"model bundle folder not found: {root} (choose a folder that contains {BUNDLE_FILE})")
    manifest_file = root / BUNDLE_FILE
    if not manifest_file.is_file():
        raise BundleError(f"{root} is not a model bundle: {BUNDLE_FILE} is missing")
    try:
        manifest = BundleManifest.from_dict(json.loads(manifest_file.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"{manifest_file} is not a valid bundle manifest ({exc})") from exc
    missing = [f"{name}/{f}" for name in ENCODER_NAMES for f in ENCODER_FILES if not (root / name / f).is_file()]
    if missing:
        raise BundleError(f"model bundle {root} is incomplete; missing: {', '.join(missing)}")
    if manifest.normalizer_version != NORMALIZER_VERSION:
        raise BundleError(
            f"model bundle {root} was trained with normalizer v{manifest.normalizer_version}, "
            f"this app has v{NORMALIZER_VERSION}; retrain or use a matching app version"
        )
    return manifest


def load_encoder(folder: Path, tasks: tuple[Task, ...]) -> tuple[MultiTaskEncoder, PreTrainedTokenizerBase]:
    hf_logging.disable_progress_bar()
    try:
        model = MultiTaskEncoder.from_pretrained(folder, tasks)
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise BundleError(f"could not load the encoder in {folder}: {exc}") from exc
    return model, tokenizer
