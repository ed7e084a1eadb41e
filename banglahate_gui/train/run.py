"""`banglahate train`: corpus → (tokenizers → MLM → two multi-task encoders, or reused ones) → lexical member →
per-task fusion, temperatures and decision offsets → bundle v2 + train report."""

from __future__ import annotations

import itertools
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
from banglahate_gui.errors import BanglaHateError, BundleError
from banglahate_gui.model.bundle import ENCODER_NAMES, LEXICAL_NAME, MEMBER_NAMES, BundleManifest, save_bundle
from banglahate_gui.model.device import resolve_device
from banglahate_gui.model.fused import FusedClassifier, load_bundle
from banglahate_gui.model.lexical import LexicalMember
from banglahate_gui.model.multitask import MultiTaskEncoder
from banglahate_gui.model.schema import TASK_NAMES
from banglahate_gui.train.batches import encode
from banglahate_gui.train.finetune import finetune
from banglahate_gui.train.fusion import fit_combination
from banglahate_gui.train.mlm import pretrain_mlm
from banglahate_gui.train.presets import PRESETS, EncoderPreset, Preset
from banglahate_gui.train.tokenizers import train_unigram_tokenizer, train_wordpiece_tokenizer


MEME_SOURCE = "karim_memes"
"""The meme-caption source: its rows form the meme slice and are up-weighted in training."""
MEME_WEIGHT = 2.0


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


def _train_encoders(preset: Preset, corpus: Corpus, work: Path, seed: int, dev: torch.device,
                    log: Callable[[str], None]) -> tuple[dict, dict]:
    """Tokenizers → masked-LM pre-training → multi-task fine-tuning of both encoders of `preset`."""
    train_df, val_df = corpus.subset("train"), corpus.subset("validation")
    pretrain_texts = unlabeled_texts(Path(), corpus)  # never the test split or an official test file
    val_labels = split_labels(val_df)
    encoders, report = {}, {}
    for name, spec in (("xlmr", preset.xlmr), ("muril", preset.muril)):
        branch_started = time.time()
        model, tokenizer, info = _build_encoder(name, spec, preset, pretrain_texts, seed, dev, work, log)
        pad_id = tokenizer.pad_token_id
        train = encode(tokenizer, train_df["text"].tolist(), preset.max_length, split_labels(train_df))
        val = encode(tokenizer, val_df["text"].tolist(), preset.max_length, val_labels)
        log(f"[{name}] fine-tuning {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")
        result = finetune(model, pad_id, train, val, preset, dev, seed, work / "checkpoints" / f"{name}.pt", log)
        encoders[name] = (model.cpu(), tokenizer)
        report[name] = {**info, "best_epoch": result.best_epoch, "history": result.history,
                        "seconds": round(time.time() - branch_started, 1)}
    return encoders, report


def _reuse_encoders(bundle: Path, log: Callable[[str], None]) -> tuple[dict, dict, dict]:
    """The encoders of an existing bundle (strictly loaded), its provenance and its max_length."""
    classifier = load_bundle(bundle, "cpu")
    missing = [n for n in ENCODER_NAMES if n not in classifier.branches]
    if missing:
        raise BundleError(f"--encoders-from {bundle}: the bundle has no {', '.join(missing)} encoder")
    log(f"reusing the encoders of {classifier.bundle_id} ({bundle}): no tokenizer, MLM or fine-tuning stage")
    earlier = classifier.manifest.provenance.get("encoders", {})
    origin = earlier.get("reused_from") or classifier.bundle_id  # the bundle whose run trained them
    return ({n: classifier.branches[n] for n in ENCODER_NAMES},
            {"bundle_id": origin, "provenance": earlier.get("trained_with") or classifier.manifest.provenance},
            {"max_length": classifier.max_length})


def training_weights(frame) -> np.ndarray:
    """Per-row sample weights for the lexical member: meme captions count `MEME_WEIGHT` times."""
    return np.where(frame["source"].to_numpy() == MEME_SOURCE, MEME_WEIGHT, 1.0)


def train_bundle(preset_name: str, data_dir: Path, out_dir: Path, *, work_dir: Path | None = None, seed: int = 42,
                 device: str = "auto", xlmr: str | None = None, muril: str | None = None, epochs: int | None = None,
                 limit: int | None = None, encoders_from: Path | None = None,
                 members: tuple[str, ...] = MEMBER_NAMES, log: Callable[[str], None] = print) -> Path:
    """Train (or reuse) the encoders, train the lexical member, fit fusion/temperatures/offsets, save a bundle.

    With `encoders_from`, the two encoders of that bundle are reused as they are (their tokenizers, MLM and
    fine-tuning are skipped). `members` picks the fusion members; `("xlmr", "muril")` is the paper's setup.
    The train report (`train_report.json` in the work dir) has every member alone and every combination.
    """
    started = time.time()
    unknown = sorted(set(members) - set(MEMBER_NAMES))
    if unknown or not members:
        raise BanglaHateError(f"--members: choose from {', '.join(MEMBER_NAMES)} (got {', '.join(members) or 'none'})")
    members = tuple(m for m in MEMBER_NAMES if m in members)
    preset = PRESETS[preset_name]
    if xlmr:
        preset = replace(preset, xlmr=replace(preset.xlmr, pretrained=xlmr))
    if muril:
        preset = replace(preset, muril=replace(preset.muril, pretrained=muril))
    if epochs is not None:
        preset = replace(preset, epochs=epochs)
    dev = resolve_device(device)
    np.random.seed(seed)
    torch.manual_seed(seed)
    work = Path(work_dir) if work_dir else Path(out_dir).with_name(Path(out_dir).name + ".work")
    corpus = build_corpus(data_dir, limit=limit)
    corpus.save(work / "corpus")
    train_df, val_df = corpus.subset("train"), corpus.subset("validation")
    log(f"corpus: {len(corpus.frame)} rows (train {len(train_df)}, validation {len(val_df)}) on {dev}")
    max_length = preset.max_length
    if encoders_from is not None:
        encoders, reused, lengths = _reuse_encoders(Path(encoders_from), log)
        encoder_report = {"reused": reused}
        max_length = lengths["max_length"]
    else:
        encoders, encoder_report = _train_encoders(preset, corpus, work, seed, dev, log)
    built: dict[str, object] = dict(encoders)
    lexical_seconds = 0.0
    if LEXICAL_NAME in members:
        lex_started = time.time()
        built[LEXICAL_NAME] = LexicalMember.fit(train_df["text"].tolist(), split_labels(train_df),
                                                sample_weight=training_weights(train_df), seed=seed)
        lexical_seconds = round(time.time() - lex_started, 1)
        log(f"[lexical] {built[LEXICAL_NAME].num_features} n-gram features ({lexical_seconds:.0f}s)")
    all_members = tuple(m for m in MEMBER_NAMES if m in built)
    scorer = FusedClassifier(built, BundleManifest("scoring", all_members, max_length=max_length), device=dev)
    val_proba = scorer.member_proba(val_df["text"].tolist(), batch_size=128)
    val_labels = split_labels(val_df)
    meme = (val_df["source"] == MEME_SOURCE).to_numpy()
    combinations = {"+".join(c): fit_combination(c, val_proba, val_labels, slice_mask=meme).to_dict()
                    for c in subsets(all_members)}
    chosen = fit_combination(members, val_proba, val_labels, slice_mask=meme)
    for task, d in chosen.validation.items():
        log(f"[fusion] {task}: weights {chosen.fusion[task]}  T = {chosen.temperatures[task]}  "
            f"ECE {d['ece_before']:.3f} -> {d['ece_after']:.3f}  validation wF1 {d['weighted_f1']:.4f}")
    manifest = BundleManifest(
        name=f"banglahatenet-{preset.name}", members=members, fusion=chosen.fusion,
        temperatures=chosen.temperatures, offsets=chosen.offsets, max_length=max_length,
        provenance={
            "preset": preset.name, "seed": seed, "device": str(dev), "commit": _git_commit(),
            "command": "banglahate train " + " ".join(_command_args(preset.name, encoders_from, members, limit, seed)),
            "data": {"corpus_rows": len(corpus.frame), "splits": corpus.card()["splits"],
                     "sources": sorted(set(corpus.frame["source"]))},
            "encoders": {"reused_from": encoder_report["reused"]["bundle_id"],
                         "trained_with": encoder_report["reused"]["provenance"]} if encoders_from is not None else
            {n: {"pretrained": s.pretrained, "family": s.family} for n, s in (("xlmr", preset.xlmr),
                                                                              ("muril", preset.muril))},
            "validation": chosen.validation,
            "lexical_seconds": lexical_seconds,
            "seconds": round(time.time() - started, 1),
        },
    )
    saved = {m: (Path(encoders_from) / m if encoders_from is not None and m in ENCODER_NAMES else built[m])
             for m in members}  # reused encoders are copied as they are, not re-serialized
    out = save_bundle(out_dir, saved, manifest, half=preset.half_weights)
    (work / "train_report.json").write_text(json.dumps({
        "preset": preset.name, "members": list(members), "encoders": encoder_report,
        "combinations": combinations, "chosen": chosen.to_dict(), "lexical_seconds": lexical_seconds,
        "seconds": round(time.time() - started, 1)}, indent=2, ensure_ascii=False) + "\n")
    log(f"bundle written to {out} in {time.time() - started:.0f}s")
    return out


def subsets(members: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every non-empty subset of `members`, singles first, in member order."""
    return [c for r in range(1, len(members) + 1) for c in itertools.combinations(members, r)]


def _command_args(preset: str, encoders_from: Path | None, members: tuple[str, ...], limit: int | None,
                  seed: int) -> list[str]:
    args = ["--preset", preset]
    if encoders_from is not None:
        args += ["--encoders-from", str(encoders_from)]
    args += ["--members", ",".join(members), "--seed", str(seed)]
    if limit is not None:
        args += ["--limit", str(limit)]
    return args


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


__all__ = ["Corpus", "train_bundle"]
