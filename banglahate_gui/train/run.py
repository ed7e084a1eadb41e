"""`banglahate train`: corpus → (tokenizers → MLM → two multi-task encoders, or reused ones) → lexical member →
per-task fusion, temperatures and decision offsets → bundle v2 + train report."""

from __future__ import annotations

import functools
import itertools
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer

from banglahate_gui.data.corpus import Corpus, build_corpus, unlabeled_texts
from banglahate_gui.data.moderation_labels import task_labels
from banglahate_gui.errors import BanglaHateError, BundleError
from banglahate_gui.model.bundle import ENCODER_NAMES, LEXICAL_NAME, MEMBER_NAMES, BundleManifest, save_bundle
from banglahate_gui.model.device import resolve_device
from banglahate_gui.model.fused import FusedClassifier, load_bundle
from banglahate_gui.model.lexical import LexicalMember
from banglahate_gui.model.multitask import MultiTaskEncoder
from banglahate_gui.model.schema import DEFAULT_TASKS, Task
from banglahate_gui.train.batches import encode
from banglahate_gui.train.finetune import finetune
from banglahate_gui.train.fusion import fit_combination
from banglahate_gui.train.mlm import pretrain_mlm
from banglahate_gui.train.ocr_noise import OcrNoise
from banglahate_gui.train.presets import PRESETS, EncoderPreset, Preset
from banglahate_gui.train.tokenizers import train_unigram_tokenizer, train_wordpiece_tokenizer


MEME_SOURCE = "karim_memes"
"""The meme-caption source: its rows form the meme slice and are up-weighted in training."""
MEME_WEIGHT = 2.0
MLM_HELDOUT_SHARE = 0.02
"""Share of the pre-training texts held out for the masked-LM loss curve."""
NOISE_SHARE = 0.3
"""Share of training texts corrupted with the measured OCR noise each fine-tuning epoch."""


def _build_encoder(name: str, spec: EncoderPreset, preset: Preset, tasks: tuple[Task, ...], pretrain_texts: list[str],
                   seed: int, device: torch.device, work: Path,
                   log: Callable[[str], None]) -> tuple[MultiTaskEncoder, object, dict]:
    """A pretrained encoder, or a from-scratch one: tokenizer trained on the texts, then masked-LM pre-training.

    Every stage is cached in `work`, so an interrupted run resumes: the tokenizer (`tokenizers/NAME`), the
    pre-trained weights (`mlm/NAME.safetensors` + its loss curves) and the fine-tuning checkpoint.
    """
    if spec.pretrained is not None:
        log(f"[{name}] loading pretrained {spec.pretrained}")
        return (MultiTaskEncoder.from_pretrained(spec.pretrained, tasks), AutoTokenizer.from_pretrained(spec.pretrained),
                {})
    started = time.time()
    tokenizer_dir = work / "tokenizers" / name
    if (tokenizer_dir / "tokenizer.json").is_file():
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
        log(f"[{name}] resuming with the tokenizer saved in {tokenizer_dir}")
    else:
        train_tok = train_unigram_tokenizer if spec.family == "xlm-roberta" else train_wordpiece_tokenizer
        tokenizer = train_tok(pretrain_texts, spec.vocab_size)
        tokenizer.save_pretrained(tokenizer_dir)
        log(f"[{name}] {spec.family} tokenizer: {len(tokenizer)} pieces ({time.time() - started:.0f}s)")
    torch.manual_seed(seed)
    model = MultiTaskEncoder.from_config(spec.build_config(tokenizer), tasks)
    info = {"tokenizer_seconds": round(time.time() - started, 1)}
    if preset.mlm_epochs > 0:
        info.update(_pretrain_cached(name, model, tokenizer, preset, pretrain_texts, seed, device, work, log))
    return model, tokenizer, info


def _pretrain_cached(name: str, model: MultiTaskEncoder, tokenizer, preset: Preset, texts: list[str], seed: int,
                     device: torch.device, work: Path, log: Callable[[str], None]) -> dict:
    """Whole-word masked-LM pre-training of `model.encoder`, or its cached result from an earlier run."""
    weights, report = work / "mlm" / f"{name}.safetensors", work / "mlm" / f"{name}.json"
    if weights.is_file() and report.is_file():
        model.encoder.load_state_dict(load_file(str(weights)))
        log(f"[{name}] masked-LM weights reused from {weights}")
        return json.loads(report.read_text())
    started = time.time()
    order = np.random.default_rng(seed).permutation(len(texts))
    cut = max(1, int(MLM_HELDOUT_SHARE * len(texts)))
    heldout = encode(tokenizer, [texts[i] for i in order[:cut]], preset.max_length)
    data = encode(tokenizer, [texts[i] for i in order[cut:]], preset.max_length)
    curves = pretrain_mlm(model.encoder, tokenizer, data, preset.mlm_epochs, preset.mlm_lr, preset.batch_size * 2,
                          seed, device, log, heldout=heldout)
    info = {"mlm_texts": len(data), "mlm_heldout_texts": len(heldout), "mlm_epochs": preset.mlm_epochs,
            "mlm_masking": "whole-word", "mlm_loss": curves["train"], "mlm_heldout_loss": curves["heldout"],
            "mlm_seconds": round(time.time() - started, 1)}
    weights.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().cpu().contiguous() for k, v in model.encoder.state_dict().items()}, str(weights))
    report.write_text(json.dumps(info) + "\n")
    return info


def _train_encoders(preset: Preset, tasks: tuple[Task, ...], corpus: Corpus, work: Path, seed: int, dev: torch.device,
                    log: Callable[[str], None]) -> tuple[dict, dict]:
    """Tokenizers → masked-LM pre-training → multi-task fine-tuning (with OCR noise) of both encoders of `preset`."""
    train_df, val_df = corpus.subset("train"), corpus.subset("validation")
    pretrain_texts = unlabeled_texts(Path(), corpus)  # never the test split, held-out rows or an official test file
    val_labels = task_labels(val_df, tasks)
    meme_val = (val_df["source"] == MEME_SOURCE).to_numpy()
    train_texts = train_df["text"].tolist()
    encoders, report = {}, {}
    for name, spec in (("xlmr", preset.xlmr), ("muril", preset.muril)):
        branch_started = time.time()
        model, tokenizer, info = _build_encoder(name, spec, preset, tasks, pretrain_texts, seed, dev, work, log)
        pad_id = tokenizer.pad_token_id
        train = encode(tokenizer, train_texts, preset.max_length, task_labels(train_df, tasks))
        val = encode(tokenizer, val_df["text"].tolist(), preset.max_length, val_labels)

        def noisy_ids(epoch: int, tokenizer=tokenizer) -> list[list[int]]:
            noise = _ocr_noise()
            rng = np.random.default_rng(seed * 1000 + epoch)
            texts = [noise.corrupt(t, rng) if rng.random() < NOISE_SHARE else t for t in train_texts]
            return encode(tokenizer, texts, preset.max_length).ids

        log(f"[{name}] fine-tuning {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")
        result = finetune(model, pad_id, train, val, preset, dev, seed, work / "checkpoints" / f"{name}.pt", log,
                          val_slice=meme_val, epoch_ids=noisy_ids)
        encoders[name] = (model.cpu(), tokenizer)
        report[name] = {**info, "best_epoch": result.best_epoch, "history": result.history,
                        "seconds": round(time.time() - branch_started, 1)}
    return encoders, report


@functools.cache
def _ocr_noise() -> OcrNoise:
    """The committed OCR confusion model (read when the first fine-tuning epoch needs it)."""
    return OcrNoise.load()


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
                 members: tuple[str, ...] = MEMBER_NAMES, tasks: tuple[Task, ...] = DEFAULT_TASKS,
                 log: Callable[[str], None] = print) -> Path:
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
        tasks = encoders["xlmr"][0].tasks  # reused encoders keep their heads, hence their schema
        encoder_report = {"reused": reused}
        max_length = lengths["max_length"]
    else:
        encoders, encoder_report = _train_encoders(preset, tasks, corpus, work, seed, dev, log)
    built: dict[str, object] = dict(encoders)
    lexical_seconds = 0.0
    if LEXICAL_NAME in members:
        lex_started = time.time()
        built[LEXICAL_NAME] = LexicalMember.fit(train_df["text"].tolist(), task_labels(train_df, tasks), tasks,
                                                sample_weight=training_weights(train_df), seed=seed)
        lexical_seconds = round(time.time() - lex_started, 1)
        log(f"[lexical] {built[LEXICAL_NAME].num_features} n-gram features ({lexical_seconds:.0f}s)")
    all_members = tuple(m for m in MEMBER_NAMES if m in built)
    scorer = FusedClassifier(built, BundleManifest("scoring", all_members, tasks=tasks, max_length=max_length),
                             device=dev)
    val_proba = scorer.member_proba(val_df["text"].tolist(), batch_size=128)
    val_labels = task_labels(val_df, tasks)
    meme = (val_df["source"] == MEME_SOURCE).to_numpy()
    combinations = {"+".join(c): fit_combination(c, val_proba, val_labels, tasks, slice_mask=meme).to_dict()
                    for c in subsets(all_members)}
    chosen = fit_combination(members, val_proba, val_labels, tasks, slice_mask=meme)
    for task, d in chosen.validation.items():
        log(f"[fusion] {task}: weights {chosen.fusion[task]}  T = {chosen.temperatures[task]}  "
            f"ECE {d['ece_before']:.3f} -> {d['ece_after']:.3f}  validation "
            + (f"wF1 {d['weighted_f1']:.4f}" if "weighted_f1" in d else f"macro F1 {d['macro_f1']:.4f}"))
    manifest = BundleManifest(
        name=f"banglahatenet-{preset.name}", members=members, fusion=chosen.fusion, tasks=tasks,
        temperatures=chosen.temperatures, offsets=chosen.offsets, max_length=max_length,
        provenance={
            "preset": preset.name, "seed": seed, "device": str(dev), "commit": _git_commit(),
            "command": "banglahate train " + " ".join(_command_args(preset.name, encoders_from, members, limit, seed)),
            "data": {"corpus_rows": len(corpus.frame), "splits": corpus.card()["splits"],
                     "sources": sorted(set(corpus.frame["source"]))},
            "encoders": {"reused_from": encoder_report["reused"]["bundle_id"],
                         "trained_with": encoder_report["reused"]["provenance"]} if encoders_from is not None else
            {n: {"pretrained": s.pretrained, "family": s.family, **_training_summary(encoder_report[n])}
             for n, s in (("xlmr", preset.xlmr), ("muril", preset.muril))},
            "ocr_noise": None if encoders_from is not None else {
                "share_per_epoch": NOISE_SHARE, "model": Path(_ocr_noise().path).name,
                "measured_on_memes": _ocr_noise().data.get("memes")},
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


def _training_summary(report: dict) -> dict:
    """The provenance line of one trained encoder: pre-training, fine-tuning epochs and time."""
    keys = ("mlm_epochs", "mlm_masking", "mlm_texts", "mlm_heldout_loss", "mlm_seconds", "best_epoch", "seconds")
    out = {k: report[k] for k in keys if k in report}
    out["epochs_run"] = len(report.get("history", []))
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
