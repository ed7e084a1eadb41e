"""LIME cost and stability: one shared perturbation set for four tasks vs four per-task LIME runs.

    nice -n 10 python benchmarks/explain.py [--bundle DIR] [--data-dir ../shared/data] [--texts 20]

Speed: the same model, texts and sample count for `explain` (all four tasks from one perturbation set,
de-duplicated) and for the naive way (four separate LIME runs, each scoring its own perturbations
with only its task's probabilities); also naive with de-duplication, to separate the two gains.
Stability: mean Jaccard overlap of each task's top-5 words across seeds, per sample count; the
smallest count that reaches `--stable` within `--budget` seconds per text is the suggested default.
Prints markdown tables, then one JSON object. Without a bundle (and without the shipped default) it
builds a random-init stand-in of the `--standin` preset's shape: timings are then realistic for that
shape, but stability and R² say little about a trained model.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from lime.lime_text import LimeTextExplainer

from banglahate_gui.defaults import default_data_dir
from banglahate_gui.explain import DEFAULT_NUM_SAMPLES, SharedScorer, explain, split_words
from banglahate_gui.explain.words import word_tokens
from banglahate_gui.model import load_bundle
from banglahate_gui.resources import default_bundle_dir
from banglahate_gui.text import normalize
from banglahate_gui.train.presets import PRESETS
from banglahate_gui.train.tiny import build_tiny_bundle

BUILT_IN_TEXTS = [
    "লক্ষ টাকা ঘুষ দিয়ে অযোগ্য আর দায়িত্বহীন মানুষ গুলো সরকারি চাকরিতে কাজ করেন",
    "অন্যায় দাবি করছে ক্রিকেটাররা অথচ দোষ নাকি বোর্ডের? বাংলাদেশ মাতালের কারখানায় পরিনত হয়েছে।",
    "আইসিসিকে এই তথ্য দিলো কে? শুওরের বাচ্চা পাপন",
    "আর কতো শিখবে আমার সোনার ছেলেরা এগুলো কে টাকা দিয়ে কেন দলে রাখে আমি বুঝিনা",
    "Vai toder kaj kam ase? Ke ki vabe pad dilo tao jante hobe toder?",
    "Jana Galo Pori moner akta cheler khoj, khub valo khobor",
    "Amader ei eisob party er sponser korbe abar ke jane",
    "tui ekta faltu lok, tor baap o faltu chilo 😡",
    "খেলা দেখে মন ভরে গেল, সবাইকে অনেক ধন্যবাদ ❤️",
    "এই নোংরা মহিলার জন্য আজ দেশের এই অবস্থা, লজ্জা থাকা উচিত",
]


def read_texts(data_dir: Path, limit: int, seed: int) -> list[str]:
    """Bengali (BLP-2025 dev) and Banglish lines of 6–30 words, shuffled with `seed`; built-ins if absent."""
    pool: list[str] = []
    blp = data_dir / "blp25_multihate" / "blp25_hatespeech_subtask_1C_dev.tsv"
    banglish = data_dir / "banglish_hate" / "Banglish_Hate_Speech_Dataset.csv"
    if blp.is_file():
        with open(blp, encoding="utf-8") as f:
            pool += [row["text"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    if banglish.is_file():
        with open(banglish, encoding="utf-8") as f:
            pool += [row["Comment"] for row in csv.DictReader(f)]
    pool = [t for t in dict.fromkeys(pool) if 6 <= len(split_words(t)) <= 30]
    if not pool:
        return BUILT_IN_TEXTS[:limit]
    random.Random(seed).shuffle(pool)
    return pool[:limit]


class Counting:
    """The classifier, counting the strings it scores."""

    def __init__(self, inner):
        self.inner, self.tasks, self.scored = inner, inner.tasks, 0

    def predict_proba(self, texts, batch_size=64):
        self.scored += len(texts)
        return self.inner.predict_proba(texts, batch_size=batch_size)


def explain_naive(classifier, text: str, num_samples: int, seed: int, batch_size: int, dedup: bool) -> None:
    """Four LIME runs, one per task, each on its own perturbations and only its task's probabilities."""
    for task in classifier.tasks:
        if dedup:
            scorer = SharedScorer(classifier, [task], batch_size)
            fn = scorer
        else:
            def fn(xs, name=task.name):
                return classifier.predict_proba([normalize(x) for x in xs], batch_size=batch_size)[name]
        LimeTextExplainer(split_expression=word_tokens, bow=True, feature_selection="none", random_state=seed
                          ).explain_instance(text, fn, top_labels=1, num_features=len(split_words(text)),
                                             num_samples=num_samples)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def speed(classifier, texts: list[str], num_samples: int, batch_size: int) -> dict:
    rows = []
    for text in texts:
        row = {"words": len(split_words(text))}
        for name, run in (
            ("shared", lambda c: explain(c, text, num_samples=num_samples, batch_size=batch_size)),
            ("naive", lambda c: explain_naive(c, text, num_samples, 0, batch_size, dedup=False)),
            ("naive_dedup", lambda c: explain_naive(c, text, num_samples, 0, batch_size, dedup=True)),
        ):
            counting = Counting(classifier)
            row[f"{name}_s"] = timed(lambda: run(counting))
            row[f"{name}_scored"] = counting.scored
        rows.append(row)
    total = {k: sum(r[k] for r in rows) for k in rows[0]}
    n = len(rows)
    return {
        "texts": n,
        "num_samples": num_samples,
        "mean_words": total["words"] / n,
        "per_text_s": {k: total[f"{k}_s"] / n for k in ("shared", "naive", "naive_dedup")},
        "max_text_s_shared": max(r["shared_s"] for r in rows),
        "scored_per_text": {k: total[f"{k}_scored"] / n for k in ("shared", "naive", "naive_dedup")},
        "speedup_vs_naive": total["naive_s"] / total["shared_s"],
        "speedup_vs_naive_dedup": total["naive_dedup_s"] / total["shared_s"],
    }


def stability(classifier, texts: list[str], counts: list[int], seeds: int, top: int, batch_size: int) -> list[dict]:
    out = []
    for n in counts:
        jaccards, seconds, r2 = [], [], []
        for text in texts:
            runs = []
            for seed in range(seeds):
                e = explain(classifier, text, num_samples=n, seed=seed, batch_size=batch_size)
                seconds.append(e.seconds)
                r2 += [t.score for t in e.tasks.values()]
                runs.append({name: {w.word for w in t.words[:top]} for name, t in e.tasks.items()})
            for a, b in itertools.combinations(runs, 2):
                jaccards += [len(a[k] & b[k]) / len(a[k] | b[k]) for k in a]
        out.append({
            "num_samples": n,
            "jaccard_mean": statistics.fmean(jaccards),
            "jaccard_min": min(jaccards),
            "seconds_per_text": statistics.fmean(seconds),
            "r2_median": statistics.median(r2),
            "reliable_share": sum(s >= 0.5 for s in r2) / len(r2),
        })
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bundle", type=Path, help="bundle folder (default: the shipped one, else a stand-in)")
    p.add_argument("--standin", default="mini", choices=sorted(PRESETS.keys() - {"base"}),
                   help="architecture of the random-init stand-in when there is no bundle")
    p.add_argument("--data-dir", type=Path, default=default_data_dir())
    p.add_argument("--texts", type=int, default=20, help="texts for the speed comparison")
    p.add_argument("--num-samples", type=int, default=DEFAULT_NUM_SAMPLES)
    p.add_argument("--stability-texts", type=int, default=8)
    p.add_argument("--stability-min-words", type=int, default=10,
                   help="only texts this long, so that the top-k words are a real choice")
    p.add_argument("--stability-samples", default="250,500,1000")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--stable", type=float, default=0.8, help="mean top-k Jaccard a default must reach")
    p.add_argument("--budget", type=float, default=3.0, help="seconds per text a default may take")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    p.add_argument("--json", type=Path, help="also write the JSON here")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    texts = read_texts(args.data_dir, 10 * max(args.texts, args.stability_texts), seed=0)
    long_texts = [t for t in texts if len(split_words(t)) >= args.stability_min_words][: args.stability_texts]
    bundle = args.bundle or (default_bundle_dir() if default_bundle_dir().is_dir() else None)
    with tempfile.TemporaryDirectory() as tmp:
        if bundle is None:
            tokenizer_texts = read_texts(args.data_dir, 3000, seed=1) + texts
            bundle = build_tiny_bundle(Path(tmp) / "standin", tokenizer_texts, preset_name=args.standin,
                                       name=f"standin-{args.standin}")
            source = f"random-init stand-in, preset {args.standin}"
        else:
            source = str(bundle)
        classifier = load_bundle(bundle, device=args.device)
        explain(classifier, texts[0], num_samples=100)  # warm-up: first calls pay one-off costs
        fast = speed(classifier, texts[: args.texts], args.num_samples, args.batch_size)
        counts = [int(c) for c in args.stability_samples.split(",")]
        stable = stability(classifier, long_texts, counts, args.seeds, args.top, args.batch_size)

    ok = [s for s in stable if s["jaccard_mean"] >= args.stable and s["seconds_per_text"] <= args.budget]
    within = [s for s in stable if s["seconds_per_text"] <= args.budget] or stable[:1]
    chosen = ok[0] if ok else max(within, key=lambda s: s["jaccard_mean"])
    result = {
        "bundle": source, "bundle_id": classifier.bundle_id, "device": str(classifier.device),
        "threads": torch.get_num_threads(), "python": platform.python_version(),
        "speed": fast, "stability_texts": len(long_texts),
        "stability_mean_words": statistics.fmean(len(split_words(t)) for t in long_texts), "stability": stable, "suggested_num_samples": chosen["num_samples"],
        "suggestion_reached_target": bool(ok),
    }

    print(f"## LIME over {source} ({result['device']}, {result['threads']} threads)\n")
    print(f"{fast['texts']} texts, {fast['mean_words']:.1f} words on average, {args.num_samples} samples each\n")
    print("| method | s / text | strings scored / text | shared is faster by |")
    print("|---|---|---|---|")
    for key, label in (("shared", "shared set, 4 tasks (`explain`)"), ("naive", "4 × per-task LIME"),
                       ("naive_dedup", "4 × per-task LIME, de-duplicated")):
        ratio = fast["per_text_s"][key] / fast["per_text_s"]["shared"]
        print(f"| {label} | {fast['per_text_s'][key]:.3f} | {fast['scored_per_text'][key]:.0f} | {ratio:.2f}× |")
    print(f"\nslowest text with the shared set: {fast['max_text_s_shared']:.3f} s\n")
    print(f"## Stability: top-{args.top} word Jaccard across {args.seeds} seeds, {len(long_texts)} texts of "
          f"≥ {args.stability_min_words} words × 4 tasks\n")
    print("| samples | mean Jaccard | min Jaccard | s / text | median R² | R² ≥ 0.5 |")
    print("|---|---|---|---|---|---|")
    for s in stable:
        print(f"| {s['num_samples']} | {s['jaccard_mean']:.3f} | {s['jaccard_min']:.3f} | "
              f"{s['seconds_per_text']:.3f} | {s['r2_median']:.2f} | {s['reliable_share']:.0%} |")
    print(f"\nsuggested default num_samples: {chosen['num_samples']}"
          f"{'' if ok else f' (no count reached Jaccard {args.stable} within {args.budget} s)'}\n")
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
