"""Classification throughput of a bundle, as a ratio against the TF-IDF + logistic-regression baseline.

    python benchmarks/throughput.py [--bundle DIR] [--data-dir ../shared/data] [--texts 2000] [--threads 2]

Both sides get the same test-split texts and do the same work per text: normalize, then score all four
tasks. The baseline is trained on the corpus's train split first (not timed). Each side runs `--repeats`
times in this one process; the median is reported, so the ratio is measured under the same machine load.
Prints a markdown table, then one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from banglahate_gui.data import build_corpus
from banglahate_gui.pipeline import Moderator
from banglahate_gui.text import normalize
from banglahate_gui.train.baseline import TfidfBaseline
from banglahate_gui.train.run import split_labels


def median_rate(run, count: int, repeats: int) -> tuple[float, list[float]]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return count / statistics.median(seconds), seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=None, help="bundle folder (default: the shipped model)")
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    corpus = build_corpus(args.data_dir)
    train = corpus.subset("train")
    texts = corpus.subset("test")["text"].tolist()[: args.texts]  # normalized once; normalizing again is a no-op
    moderator = Moderator.load(args.bundle, device="cpu")
    baseline = TfidfBaseline().fit(train["text"].tolist(), split_labels(train))

    moderator.classify(texts[:64])  # warm-up: first-call allocations
    ours, ours_runs = median_rate(lambda: moderator.classify(texts, args.batch_size), len(texts), args.repeats)
    base, base_runs = median_rate(lambda: baseline.predict_proba([normalize(t) for t in texts]),
                                  len(texts), args.repeats)
    words = statistics.mean(len(t.split()) for t in texts)
    result = {
        "bundle": moderator.classifier.bundle_id, "texts": len(texts), "mean_words": round(words, 1),
        "batch_size": args.batch_size, "threads": args.threads, "cpu": platform.processor() or platform.machine(),
        "bundle_texts_per_second": round(ours, 1), "tfidf_texts_per_second": round(base, 1),
        "ratio_bundle_to_tfidf": round(ours / base, 3),
        "seconds": {"bundle": [round(s, 3) for s in ours_runs], "tfidf": [round(s, 3) for s in base_runs]},
    }
    print(f"| model | texts/s | runs (s) |\n|---|---:|---|\n"
          f"| {result['bundle']} (fused, {args.threads} threads, batch {args.batch_size}) | {ours:.0f} | "
          f"{', '.join(f'{s:.2f}' for s in ours_runs)} |\n"
          f"| TF-IDF + LR baseline | {base:.0f} | {', '.join(f'{s:.2f}' for s in base_runs)} |\n\n"
          f"{len(texts)} test-split texts, mean {words:.1f} words; bundle / baseline = {ours / base:.2f}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
