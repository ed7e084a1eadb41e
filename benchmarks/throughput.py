"""Classification throughput of a bundle, as a ratio against the TF-IDF + logistic-regression baseline.

    python benchmarks/throughput.py [--bundle DIR] [--data-dir ../shared/data] [--texts 2000] [--threads 2]

Both sides get the same test-split texts and do the same work per text: normalize, then score every
task. Each fusion member is also timed alone. The baseline is trained on the corpus's train split first
(not timed; `--no-baseline` skips it). Each side runs `--repeats`
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
from banglahate_gui.defaults import default_data_dir
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
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true", help="time the bundle only (skips fitting TF-IDF)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    corpus = build_corpus(args.data_dir)
    train = corpus.subset("train")
    texts = corpus.subset("test")["text"].tolist()[: args.texts]  # normalized once; normalizing again is a no-op
    moderator = Moderator.load(args.bundle, device="cpu")

    moderator.classify(texts[:64])  # warm-up: first-call allocations
    ours, ours_runs = median_rate(lambda: moderator.classify(texts, args.batch_size), len(texts), args.repeats)
    words = statistics.mean(len(t.split()) for t in texts)
    members = {}
    for name in moderator.classifier.members:
        alone = {name: moderator.classifier.members[name]}
        single = type(moderator.classifier)(alone, moderator.classifier.manifest, device="cpu")
        members[name] = round(median_rate(lambda: single.member_proba(texts, args.batch_size), len(texts),
                                          args.repeats)[0], 1)
    result = {
        "bundle": moderator.classifier.bundle_id, "texts": len(texts), "mean_words": round(words, 1),
        "batch_size": args.batch_size, "threads": args.threads, "cpu": platform.processor() or platform.machine(),
        "bundle_texts_per_second": round(ours, 1), "member_texts_per_second": members,
        "seconds": {"bundle": [round(s, 3) for s in ours_runs]},
    }
    rows = [f"| {result['bundle']} (fused, {args.threads} threads, batch {args.batch_size}) | {ours:.0f} | "
            f"{', '.join(f'{s:.2f}' for s in ours_runs)} |"]
    rows += [f"| member {name} alone | {rate:.0f} | |" for name, rate in members.items()]
    note = ""
    if not args.no_baseline:
        baseline = TfidfBaseline().fit(train["text"].tolist(), split_labels(train))
        base, base_runs = median_rate(lambda: baseline.predict_proba([normalize(t) for t in texts]),
                                      len(texts), args.repeats)
        result.update(tfidf_texts_per_second=round(base, 1), ratio_bundle_to_tfidf=round(ours / base, 3))
        result["seconds"]["tfidf"] = [round(s, 3) for s in base_runs]
        rows.append(f"| TF-IDF + LR baseline | {base:.0f} | {', '.join(f'{s:.2f}' for s in base_runs)} |")
        note = f"; bundle / baseline = {ours / base:.2f}"
    print("| model | texts/s | runs (s) |\n|---|---:|---|\n" + "\n".join(rows) + "\n\n"
          f"{len(texts)} test-split texts, mean {words:.1f} words{note}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
