"""Classification throughput of a bundle, as a ratio against the TF-IDF + logistic-regression baseline.

    python benchmarks/throughput.py [--bundle DIR] [--data-dir ../shared/data] [--texts 2000] [--threads 2]

Both sides get the same test-split texts and do the same work per text: normalize, then score every
task. Each fusion member is also timed alone. The baseline is trained on the corpus's train split first
(not timed; `--no-baseline` skips it). Each side runs `--repeats`
times in this one process; the median is reported, so the ratio is measured under the same machine load.

The bundle also runs on each inference path (PyTorch, ONNX fp32, ONNX int8; `--no-onnx` skips them),
rounds interleaved: the ONNX exports are gated on these test-split texts (`model.onnx.prepare`, written
to the user cache, so the app then uses this gate) and their largest probability difference from
PyTorch and label agreement are reported with their speed.
Prints a markdown table, then one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from banglahate_gui.data import build_corpus
from banglahate_gui.data.moderation_labels import task_labels
from banglahate_gui.defaults import default_data_dir
from banglahate_gui.model.onnx import INFERENCE_ENV
from banglahate_gui.pipeline import Moderator
from banglahate_gui.text import normalize
from banglahate_gui.train.baseline import TfidfBaseline


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
    parser.add_argument("--no-onnx", action="store_true", help="skip the ONNX Runtime paths")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    os.environ[INFERENCE_ENV] = "torch"  # the plain path first; `inference_paths` switches explicitly

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
    if not args.no_onnx:
        paths = inference_paths(moderator, texts, args.batch_size, args.repeats)
        result["inference_paths"] = paths
        torch_rate = paths["torch"]["texts_per_second"]
        for name, entry in paths.items():
            rows.append(f"| {name} path ({entry['detail']}) | {entry['texts_per_second']:.0f} | "
                        f"{', '.join(f'{s:.2f}' for s in entry['seconds'])} |")
            if name != "torch":
                entry["ratio_to_torch"] = round(entry["texts_per_second"] / torch_rate, 3)
        note += "; " + ", ".join(f"{n} / torch = {e['ratio_to_torch']:.2f} (max |ΔP| {e['max_abs_diff']:.1e}, "
                                 f"labels agree {e['label_agreement']:.4f})" for n, e in paths.items() if n != "torch")
    if not args.no_baseline:
        tasks = moderator.classifier.tasks
        baseline = TfidfBaseline(tasks).fit(train["text"].tolist(), task_labels(train, tasks))
        base, base_runs = median_rate(lambda: baseline.predict_proba([normalize(t) for t in texts]),
                                      len(texts), args.repeats)
        result.update(tfidf_texts_per_second=round(base, 1), ratio_bundle_to_tfidf=round(ours / base, 3))
        result["seconds"]["tfidf"] = [round(s, 3) for s in base_runs]
        rows.append(f"| TF-IDF + LR baseline | {base:.0f} | {', '.join(f'{s:.2f}' for s in base_runs)} |")
        note += f"; bundle / baseline = {ours / base:.2f}"
    print("| model | texts/s | runs (s) |\n|---|---:|---|\n" + "\n".join(rows) + "\n\n"
          f"{len(texts)} test-split texts, mean {words:.1f} words{note}")
    print(json.dumps(result))
    return result


def inference_paths(moderator: Moderator, texts: list[str], batch_size: int, repeats: int) -> dict:
    """Texts/s of the whole `classify` call on PyTorch, ONNX fp32 and ONNX int8 (rounds interleaved,
    median each), with each ONNX path's largest fused-probability difference and label agreement."""
    from banglahate_gui.model.onnx import open_sessions, prepare

    classifier = moderator.classifier
    plan, folder = prepare(classifier, moderator.bundle_path, texts=texts)
    paths = {"torch": ({}, "PyTorch")}
    if plan["fp32_ok"]:
        paths["onnx"] = (open_sessions(classifier, plan, folder, "fp32", torch.get_num_threads()), "ONNX fp32")
        int8 = [m for m, e in plan["members"].items() if e["int8"]["accepted"]]
        if int8:
            paths["onnx-int8"] = (open_sessions(classifier, plan, folder, "int8", torch.get_num_threads()),
                                  f"ONNX int8: {'+'.join(int8)}")
    rejected = [m for m, e in plan["members"].items() if not e["int8"]["accepted"]]
    seconds: dict[str, list[float]] = {name: [] for name in paths}
    outputs = {}
    for name, (runtimes, _) in paths.items():  # warm-up, and the predictions compared below
        classifier.use(name, runtimes)
        outputs[name] = moderator.classify(texts, batch_size)
    for _ in range(repeats):
        for name, (runtimes, _) in paths.items():
            classifier.use(name, runtimes)
            started = time.perf_counter()
            moderator.classify(texts, batch_size)
            seconds[name].append(time.perf_counter() - started)
    classifier.use("torch", {})
    out = {}
    for name, (_, detail) in paths.items():
        entry = {"texts_per_second": round(len(texts) / statistics.median(seconds[name]), 1),
                 "seconds": [round(s, 3) for s in seconds[name]], "detail": detail}
        if name != "torch":
            entry.update(_agreement(outputs["torch"], outputs[name]))
        out[name] = entry
    out["torch"]["int8_rejected_members"] = rejected
    out["torch"]["gate"] = {m: {v: e[v]["fused_max_diff"] for v in ("fp32", "int8")} for m, e in plan["members"].items()}
    return out


def _agreement(reference: list, other: list) -> dict:
    diffs, same, total = [0.0], 0, 0
    for a, b in zip(reference, other):
        for task, pa in a.tasks.items():
            pb = b.tasks[task]
            total += 1
            same += pa.label == pb.label
            if pa.probabilities and pb.probabilities:
                diffs += [abs(pa.probabilities[k] - pb.probabilities[k]) for k in pa.probabilities]
    return {"max_abs_diff": max(diffs), "label_agreement": round(same / max(1, total), 5)}


if __name__ == "__main__":
    main()
