"""Triage benchmark, one run: folder images/s (`banglahate triage` vs `banglahate classify DIR`), texts/s
(batched `classify --file` path vs one text per call), and resident memory over a long triage.

All three commands run as subprocesses of this script on the same rendered folder (seeded memes with
corpus captions, as in benchmarks/ocr), each with a fresh cache, so start-up (imports, model loads)
is included in both timings; `--ray` also times `triage --engine ray` and checks its rows equal the
local engine's. Memory: the summed RSS of the triage process and its workers when the
cache first holds `--rss-from` analyses vs when it first holds all of them (sampled every 0.5 s).
Sustained rate: images analysed after the `--rss-from`-th one per second until the last (start-up and
model loading left out), for triage from the same samples, for `classify DIR` from the time each
result line is printed.

    nice -n 10 python benchmarks/triage.py --images 40 --rss-from 10 --json triage_bench.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def render_folder(folder: Path, n: int, data_dir: Path, seed: int) -> list[str]:
    """n seeded memes (captions from the corpora) as PNG files in `folder`; returns the captions."""
    from banglahate_gui.data.synth_memes import generate_memes

    spec = importlib.util.spec_from_file_location("ocr_benchmark", Path(__file__).parent / "ocr" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pool = sorted(c for kind in module.load_captions(data_dir).values() for c in kind)
    folder.mkdir(parents=True, exist_ok=True)
    memes = generate_memes(pool, n, seed=seed)
    for i, meme in enumerate(memes):
        meme.image.save(folder / f"meme_{i:05d}.png")
    return pool


def _rss_kb(pid: int) -> int:
    """RSS of `pid` plus its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _cache_count(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    except sqlite3.Error:
        return 0


def run_triage(folder: Path, work: Path, workers: int | None, rss_from: int, extra: tuple[str, ...] = ()) -> dict:
    cache, out = work / "cache.sqlite", work / "rows.csv"
    command = [sys.executable, "-m", "banglahate_gui.cli", "triage", str(folder), "--out", str(out),
               "--cache", str(cache), "--quiet", *extra] + (["--workers", str(workers)] if workers else [])
    samples: list[tuple[float, int, int]] = []  # (seconds, analyses in the cache, RSS kB)
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while proc.poll() is None:
            samples.append((time.perf_counter() - start, _cache_count(cache), _rss_kb(proc.pid)))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"triage failed ({proc.returncode}): {stderr[-2000:]}")
    measured = [(at, count, rss) for at, count, rss in samples if rss]
    final = max((count for _, count, _ in measured), default=0)
    start_from = next(((at, count, rss) for at, count, rss in measured if count >= rss_from), None)
    end = next(((at, count, rss) for at, count, rss in measured if count == final), None)  # just after the last
    sustained = None
    if start_from and end and end[0] > start_from[0]:
        sustained = round((end[1] - start_from[1]) / (end[0] - start_from[0]), 3)
    return {"seconds": round(seconds, 1), "summary": stdout.strip().splitlines()[:3],
            "rss_kb_at_from": start_from and start_from[2], "rss_kb_at_end": end and end[2],
            "rss_growth": round(end[2] / start_from[2] - 1, 4) if start_from and end else None,
            "sustained_images_per_s": sustained}


def same_rows(a: Path, b: Path, tolerance: float = 1e-4) -> bool:
    """Two triage CSVs hold the same files, hashes, groups and labels, and probabilities within `tolerance`."""
    import csv

    def read(path: Path) -> dict[str, dict]:
        with open(path, encoding="utf-8", newline="") as handle:
            return {row["path"]: row for row in csv.DictReader(handle)}

    left, right = read(a), read(b)
    if left.keys() != right.keys():
        return False
    for path, row in left.items():
        other = right[path]
        for key, value in row.items():
            if "_p_" in key and value and other[key]:
                if abs(float(value) - float(other[key])) > tolerance:
                    return False
            elif key in ("sha256", "group", "error") or key.endswith("_label"):
                if value != other[key]:
                    return False
    return True


def run_classify_dir(folder: Path, rss_from: int) -> dict:
    """Seconds for `classify DIR --json`, and its sustained rate after the `rss_from`-th printed result."""
    command = [sys.executable, "-m", "banglahate_gui.cli", "classify", str(folder), "--json"]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:  # a file: a full stderr pipe would block
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        printed = [time.perf_counter() - start for line in proc.stdout if line.startswith("{")]
        proc.wait()
        seconds = time.perf_counter() - start
        errors.seek(0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"classify failed ({proc.returncode}): {errors.read()[-2000:]}")
    sustained = None
    if len(printed) > rss_from and printed[-1] > printed[rss_from - 1]:
        sustained = round((len(printed) - rss_from) / (printed[-1] - printed[rss_from - 1]), 3)
    return {"seconds": round(seconds, 1), "sustained_images_per_s": sustained}


def run_texts(texts: list[str], single: int) -> dict:
    """In-process: batched texts/s (the `classify --file` path) vs one text per model call."""
    from banglahate_gui.pipeline import Moderator
    from banglahate_gui.triage import analyze_texts

    moderator = Moderator.load(device="cpu")
    moderator.classify(texts[:8])  # warm-up
    start = time.perf_counter()
    n = sum(1 for _ in analyze_texts(moderator, ((str(i), t) for i, t in enumerate(texts))))
    batched = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for text in texts[:single]:
        try:
            moderator.analyze_text(text)
        except Exception:  # empty after normalization: still one call's worth of work
            pass
    one_by_one = single / (time.perf_counter() - start)
    return {"texts": n, "batched_texts_per_s": round(batched, 1), "single_texts_per_s": round(one_by_one, 1),
            "ratio": round(batched / one_by_one, 2), "inference": moderator.classifier.inference}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40, help="rendered memes in the folder (0: texts only)")
    parser.add_argument("--rss-from", type=int, default=100, help="memory baseline after this many images")
    parser.add_argument("--workers", type=int, default=None, help="triage workers (default: CPU cores)")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--single", type=int, default=100, help="texts classified one per call")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-classify-dir", action="store_true")
    parser.add_argument("--ray", action="store_true",
                        help="also run `triage --engine ray` (a private local Ray) on the same folder")
    parser.add_argument("--threads", type=int, default=0, help="torch threads for the texts part (0: torch's default)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report: dict = {"images": args.images, "cpu_count": os.cpu_count(), "rss_from": args.rss_from}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pool = render_folder(work / "folder", args.images, args.data_dir, args.seed)
        if not args.images:
            return _texts_part(report, pool, args)
        triage = run_triage(work / "folder", work, args.workers, args.rss_from)
        report["triage"] = {**triage, "images_per_s": round(args.images / triage["seconds"], 3)}
        print(json.dumps(report["triage"], ensure_ascii=False), flush=True)
        if not args.skip_classify_dir:
            classify = run_classify_dir(work / "folder", args.rss_from)
            report["classify_dir"] = {**classify, "images_per_s": round(args.images / classify["seconds"], 3)}
            report["triage_vs_classify_dir"] = round(classify["seconds"] / triage["seconds"], 2)
            if classify["sustained_images_per_s"] and triage["sustained_images_per_s"]:
                report["triage_vs_classify_dir_sustained"] = round(
                    triage["sustained_images_per_s"] / classify["sustained_images_per_s"], 2)
            print(json.dumps(report["classify_dir"]), f"ratio {report['triage_vs_classify_dir']}",
                  f"sustained ratio {report.get('triage_vs_classify_dir_sustained')}", flush=True)
        if args.ray:
            (work / "ray").mkdir()
            ray = run_triage(work / "folder", work / "ray", args.workers, args.rss_from, ("--engine", "ray"))
            report["triage_ray"] = {"seconds": ray["seconds"], "images_per_s": round(args.images / ray["seconds"], 3),
                                    "same_rows_as_local": same_rows(work / "rows.csv", work / "ray" / "rows.csv")}
            print(json.dumps(report["triage_ray"]), flush=True)
    _texts_part(report, pool, args)


def _texts_part(report: dict, pool: list[str], args: argparse.Namespace) -> None:
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    texts = [" ".join(c.split()) for c in pool]
    report["texts"] = {**run_texts((texts * (args.texts // max(1, len(texts)) + 1))[:args.texts], args.single),
                       "threads": args.threads or "default"}
    print(json.dumps(report["texts"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
