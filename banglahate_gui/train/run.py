"""`banglahate train`: corpus → tokenizers → (MLM pre-training) → two multi-task encoders → fusion → bundle."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer

from banglahate_gui.data.corpus import Corpus, build_corpus, unlabeled_texts
from banglahate_gui.model import BundleManifest, MultiTaskEncoder, save_bundle
from banglahate_gui.model.device import resolve_device
from banglahate_gui.model.schema import TASK_NAMES
from banglahate_gui.train.batches import Encoded, encode
from banglahate_gui.train.finetune import finetune, predict_encoded
from banglahate_gui.train.fusion import search_fusion_weight
from banglahate_gui.train.metrics import mean_weighted_f1, task_scores
from banglahate_gui.train.mlm import pretrain_mlm
from banglahate_gui.train.presets import PRESETS, EncoderPreset, Preset
from banglahate_gui.train.tokenizers import train_unigram_tokenizer, train_wordpiece_tokenizer


def split_labels(frame) -> dict[str, np.ndarray]:
    return {t: frame[t].to_numpy(dtype=np.int64) for t in TASK_NAMES}


def _build_encoder(name: str, spec: EncoderPreset, preset: Preset, pretrain_texts: list[str], seed: int,
                   device: torch.device, work: Path, log: Callable[[str], None]) -> tuple[MultiTaskEncoder, object, dict]:
    """A pretrained encoder, or a from-scratch one: tokenizer trained on the texts, then masked-LM pre-training.

    The trained tokenizer is kept in `work`; when a fine-tuning checkpoint already exists there the run is being
    resumed, so the saved tokenizer is reused and pre-training is skipped (the checkpoint holds the weights).
    """
    if spec.pretrained is not None:
        log(f"[{name}] loading pretrained {spec.pretrained}")
        return MultiTaskEncoder.from_pretrained(spec.pretrained), AutoTokenizer.from_pretrained(spec.pretrained), {}
    started = time.time()
    tokenizer_dir = work / "tokenizers" / name
    resuming = (work / "checkpoints" / f"{name}.pt").is_file() and tokenizer_dir.is_dir()
    if resuming:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
        log(f"[{name}] resuming with the tokenizer saved in {tokenizer_dir}")
    else:
        train_tok = train_unigram_tokenizer if spec.family == "xlm-roberta" else train_wordpiece_tokenizer
        tokenizer = train_tok(pretrain_texts, spec.vocab_size)
        tokenizer.save_pretrained(tokenizer_dir)
        log(f"[{name}] {spec.family} tokenizer: {len(tokenizer)} pieces ({time.time() - started:.0f}s)")
    torch.manual_seed(seed)
    model = MultiTaskEncoder.from_config(spec.build_config(tokenizer))
    info = {"tokenizer_seconds": round(time.time() - started, 1), "mlm_loss": []}
    if preset.mlm_epochs > 0 and not resuming:
        started = time.time()
        data = encode(tokenizer, pretrain_texts, preset.max_length)
        info["mlm_loss"] = pretrain_mlm(model.encoder, tokenizer, data, preset.mlm_epochs, preset.mlm_lr,
                                        preset.batch_size * 2, seed, device, log)
        info["mlm_seconds"] = round(time.time() - started, 1)
    return model, tokenizer, info


def train_bundle(preset_name: str, data_dir: Path, out_dir: Path, *, work_dir: Path | None = None, seed: int = 42,
                 device: str = "auto", xlmr: str | None = None, muril: str | None = None, epochs: int | None = None,
                 limit: int | None = None, log: Callable[[str], None] = print) -> Path:
    """Train both encoders of a preset on the corpus in `data_dir`, search the fusion weight, save the bundle."""
    started = time.time()
    preset = PRESETS[preset_name]
    if xlmr:
        preset = replace(preset, xlmr=replace(preset.xlmr, pretrained=xlmr))
    if muril:
        preset = replace(preset, muril=replace(preset.muril, pretrained=muril))
    if epochs is not None:
        preset = replace(preset, epochs=epochs)
    dev = resolve_device(device)
    work = Path(work_dir) if work_dir else Path(out_dir).with_name(Path(out_dir).name + ".work")
    corpus = build_corpus(data_dir, limit=limit)
    corpus.save(work / "corpus")
    train_df, val_df = corpus.subset("train"), corpus.subset("validation")
    log(f"corpus: {len(corpus.frame)} rows (train {len(train_df)}, validation {len(val_df)}) on {dev}")
    # Pre-training text: everything but the test split (whose texts stay unseen until `evaluate`).
    test_texts = set(corpus.subset("test")["text"])
    pretrain_texts = [t for t in unlabeled_texts(data_dir, corpus) if t not in test_texts]
    val_labels = split_labels(val_df)
    encoders, val_proba, report = {}, {}, {}
    for name, spec in (("xlmr", preset.xlmr), ("muril", preset.muril)):
        branch_started = time.time()
        model, tokenizer, info = _build_encoder(name, spec, preset, pretrain_texts, seed, dev, work, log)
        pad_id = tokenizer.pad_token_id
        train = encode(tokenizer, train_df["text"].tolist(), preset.max_length, split_labels(train_df))
        val = encode(tokenizer, val_df["text"].tolist(), preset.max_length, val_labels)
        log(f"[{name}] fine-tuning {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")
        result = finetune(model, pad_id, train, val, preset, dev, seed, work / "checkpoints" / f"{name}.pt", log)
        val_proba[name] = predict_encoded(model, Encoded(val.ids), pad_id, dev)
        encoders[name] = (model.cpu(), tokenizer)
        report[name] = {**info, "best_epoch": result.best_epoch, "history": result.history,
                        "validation": task_scores(val_labels, val_proba[name]),
                        "seconds": round(time.time() - branch_started, 1)}
    weight, curve = search_fusion_weight(val_labels, val_proba["xlmr"], val_proba["muril"])
    log(f"fusion weight w = {weight} " + " ".join(f"{c['weight']}:{c['mean_weighted_f1']:.4f}" for c in curve))
    manifest = BundleManifest(
        name=f"banglahatenet-{preset.name}", fusion_weight=weight, fusion_curve=curve, max_length=preset.max_length,
        provenance={
            "preset": preset.name, "seed": seed, "device": str(dev), "commit": _git_commit(),
            "data": {"corpus_rows": len(corpus.frame), "splits": corpus.card()["splits"],
                     "sources": sorted(set(corpus.frame["source"]))},
            "encoders": {n: {"pretrained": s.pretrained, "family": s.family} for n, s in
                         (("xlmr", preset.xlmr), ("muril", preset.muril))},
            "validation_mean_weighted_f1": {n: round(mean_weighted_f1(r["validation"]), 4) for n, r in report.items()},
            "seconds": round(time.time() - started, 1),
        },
    )
    out = save_bundle(out_dir, encoders, manifest, half=preset.half_weights)
    (work / "train_report.json").write_text(json.dumps({"preset": preset.name, "encoders": report,
                                                        "fusion_curve": curve, "fusion_weight": weight,
                                                        "seconds": round(time.time() - started, 1)}, indent=2))
    log(f"bundle written to {out} in {time.time() - started:.0f}s")
    return out


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


__all__ = ["Corpus", "train_bundle"]
