"""A tiny, randomly initialised but complete bundle, built in seconds (tests, demos of the format)."""

from __future__ import annotations

from pathlib import Path

import torch

from banglahate_gui.model import BundleManifest, MultiTaskEncoder, save_bundle
from banglahate_gui.text import normalize
from banglahate_gui.train.presets import PRESETS
from banglahate_gui.train.tokenizers import train_unigram_tokenizer, train_wordpiece_tokenizer


def build_tiny_bundle(out_dir: str | Path, texts: list[str], seed: int = 0, fusion_weight: float = 0.5) -> Path:
    """Train both tokenizers on `texts`, build the `tiny` preset's encoders (random weights) and save a bundle."""
    preset = PRESETS["tiny"]
    torch.manual_seed(seed)
    normalized = [normalize(t) for t in texts]
    tokenizers = {
        "xlmr": train_unigram_tokenizer(normalized, preset.xlmr.vocab_size),
        "muril": train_wordpiece_tokenizer(normalized, preset.muril.vocab_size),
    }
    encoders = {
        name: (MultiTaskEncoder.from_config(spec.build_config(tokenizers[name])), tokenizers[name])
        for name, spec in (("xlmr", preset.xlmr), ("muril", preset.muril))
    }
    manifest = BundleManifest(name="tiny-test", fusion_weight=fusion_weight, max_length=preset.max_length,
                              provenance={"preset": "tiny", "trained": False, "seed": seed})
    return save_bundle(out_dir, encoders, manifest)
