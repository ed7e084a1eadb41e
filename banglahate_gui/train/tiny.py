"""A tiny, randomly initialised but complete bundle, built in seconds (tests, demos of the format)."""

from __future__ import annotations

from pathlib import Path

import torch

from banglahate_gui.model.bundle import BundleManifest, save_bundle
from banglahate_gui.model.multitask import MultiTaskEncoder
from banglahate_gui.model.schema import TASKS, Task
from banglahate_gui.text import normalize
from banglahate_gui.train.presets import PRESETS
from banglahate_gui.train.tokenizers import train_unigram_tokenizer, train_wordpiece_tokenizer


def build_tiny_bundle(out_dir: str | Path, texts: list[str], seed: int = 0, fusion_weight: float = 0.5,
                      preset_name: str = "tiny", name: str = "tiny-test", tasks: tuple[Task, ...] = TASKS) -> Path:
    """Train both tokenizers on `texts`, build a preset's encoders (random weights) and save a bundle.

    The `tiny` preset makes test fixtures; a larger preset gives a timing stand-in of that shape. The bundle
    is the paper's two-encoder fusion with weight `fusion_weight` for every task of `tasks`.
    """
    preset = PRESETS[preset_name]
    encoders = build_tiny_encoders(texts, seed, preset_name, tasks)
    provenance = {"preset": preset_name, "trained": False, "seed": seed}
    manifest = BundleManifest.two_encoder(name, fusion_weight, max_length=preset.max_length, provenance=provenance,
                                          tasks=tasks)
    return save_bundle(out_dir, encoders, manifest)


def build_tiny_encoders(texts: list[str], seed: int = 0, preset_name: str = "tiny",
                        tasks: tuple[Task, ...] = TASKS) -> dict[str, tuple]:
    """Both encoders of a preset (random weights) with tokenizers trained on `texts`, in memory."""
    preset = PRESETS[preset_name]
    torch.manual_seed(seed)
    normalized = [normalize(t) for t in texts]
    tokenizers = {
        "xlmr": train_unigram_tokenizer(normalized, preset.xlmr.vocab_size),
        "muril": train_wordpiece_tokenizer(normalized, preset.muril.vocab_size),
    }
    encoders = {
        name: (MultiTaskEncoder.from_config(spec.build_config(tokenizers[name]), tasks), tokenizers[name])
        for name, spec in (("xlmr", preset.xlmr), ("muril", preset.muril))
    }
    return encoders
