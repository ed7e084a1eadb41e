"""Folder triage: every image under some paths → one row per file, sorted by risk, resumable.

Engine code (no Qt). The work: hash each file (SHA-256), take analyses already in the
`AnalysisCache` (keyed by file hash, bundle id and `OcrConfig.cache_key()`), analyse the rest in a
process pool (each worker loads the `Moderator` once; OCR per image, classification batched per chunk),
store each finished analysis in the cache the moment it arrives (a killed run loses only chunks in
flight), group near-duplicates (`grouping`), then write CSV / JSONL / Parquet sorted by risk.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from banglahate_gui.cache import AnalysisCache
from banglahate_gui.errors import BanglaHateError
from banglahate_gui.grouping import GroupItem, group_ids
from banglahate_gui.ocr.config import OcrConfig
from banglahate_gui.ocr.image import IMAGE_SUFFIXES
from banglahate_gui.hashing import sha256_file
from banglahate_gui.model.prediction import INSUFFICIENT_TEXT, NO_LABEL

OUTPUT_FORMATS = (".csv", ".jsonl", ".parquet")
DEFAULT_SORT = "binary.hate"
"""The `risk` column by default: P(hate)."""
ENGINES = ("local", "ray")
"""local: a process pool on this machine; ray: Ray Data actors, locally or on a cluster (`triage_ray`)."""
CHUNK = 8
"""Images per worker task: OCR'd one by one, their texts classified in one batch."""


class NoImagesError(BanglaHateError):
    """The paths given hold no supported image."""


def find_images(paths: Iterable[str | Path]) -> list[Path]:
    """Files given as such, plus every supported image under folders (recursive); sorted, unique.
    A missing path is kept, so it becomes an error row."""
    found: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        else:
            found.add(path)
    return sorted(found)


@dataclass
class TriageResult:
    """Rows (sorted by risk) and what the run did."""

    rows: list[dict]
    out: Path | None
    analysed: int
    cached: int
    seconds: float
    workers: int
    failures: list[dict] = field(default_factory=list)
    tasks: tuple = ()
    """The bundle's task schema (`model.schema.Task`s): which columns exist and which tasks are multi-label."""
    sort_by: str = DEFAULT_SORT
    filtered_out: int = 0
    """Analysed files left out of `rows` by the filters."""

    def label_counts(self) -> dict[str, Counter]:
        """Per task, how many files got each label (error rows left out); for a multi-label task each
        passing label counts once per file (`none` when none passed)."""
        from banglahate_gui.model.prediction import split_label

        counts = {}
        for t in self.tasks:
            labels = [r[f"{t.name}_label"] for r in self.rows if not r["error"]]
            if t.kind == "sigmoid":
                labels = [one for label in labels for one in (split_label(label) or (label,))]
            counts[t.name] = Counter(labels)
        return counts

    def summary(self, top: int = 5) -> str:
        """Counts per label, failures, the riskiest files: the text the CLI prints at the end."""
        lines = [f"{len(self.rows) + self.filtered_out} files: {self.analysed} analysed, {self.cached} from the "
                 f"cache, {len(self.failures)} failed; {self.seconds:.1f} s with {self.workers} worker(s)"]
        if self.filtered_out:
            lines.append(f"  {len(self.rows)} rows kept by the filters, {self.filtered_out} left out")
        for task, counts in self.label_counts().items():
            lines.append(f"  {task}: " + ", ".join(f"{label} {n}" for label, n in counts.most_common()))
        groups = Counter(r["group"] for r in self.rows if r["group"])
        repeated = sum(1 for n in groups.values() if n > 1)
        if repeated:
            lines.append(f"  near-duplicate groups with more than one file: {repeated}")
        risky = [r for r in self.rows if r["risk"] is not None][:top]
        if risky:
            task = self.sort_by.partition(".")[0]
            lines.append(f"riskiest ({self.sort_by}):")
            lines += [f"  {r['risk']:.3f}  {r[f'{task}_label']:<10} {r['path']}" for r in risky]
        if self.failures:
            lines.append("failures:")
            lines += [f"  {r['path']}: {r['error']}" for r in self.failures[:top]]
            if len(self.failures) > top:
                lines.append(f"  ... and {len(self.failures) - top} more (column 'error')")
        if self.out:
            lines.append(f"wrote {self.out}")
        return "\n".join(lines)


def triage(paths: Iterable[str | Path], out: str | Path | None = None, *, bundle: str | Path | None = None,
           device: str = "auto", ocr: OcrConfig | None = None, workers: int | None = None,
           cache: str | Path | None = None, progress: bool = True, chunk: int = CHUNK, engine: str = "local",
           address: str | None = None, shards: str | Path | None = None, sort_by: str = DEFAULT_SORT,
           min_probability: Mapping[str, float] | None = None, labels: Mapping[str, str] | None = None,
           thresholds: Mapping[str, Mapping[str, float]] | None = None) -> TriageResult:
    """Triage every image under `paths`; write `out` (.csv/.jsonl/.parquet) when given.

    Rows are sorted by the `risk` column: the probability named by `sort_by` (`risk_value`; default
    P(binary = hate)). Filters keep the analysed rows whose `min_probability` keys (same syntax) all reach
    their value and whose task labels include `labels` (task → label); error rows are always kept.
    `thresholds` (task → label → p) decide multi-label tasks again from their probabilities.

    `engine` "local" runs a process pool here; "ray" runs the same analyses on Ray (`triage_ray`; a private
    local Ray, or the cluster at `address`), also writing what it analyses as Parquet shards to `shards`
    (default: `<out>.shards/` beside the output)."""
    from banglahate_gui.model.bundle import BUNDLE_FILE, BundleManifest, bundle_id
    from banglahate_gui.resources import default_bundle_dir

    start = time.perf_counter()
    paths = list(paths)
    if out is not None and Path(out).suffix.lower() not in OUTPUT_FORMATS:
        raise BanglaHateError(f"--out must end in one of {', '.join(OUTPUT_FORMATS)}, got {out}")
    if engine not in ENGINES:
        raise BanglaHateError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "ray" and shards is None and out is None:
        raise BanglaHateError("--engine ray writes Parquet shards beside the output: give --out (or --shards)")
    files = find_images(paths)
    if not files:
        raise NoImagesError("no supported images found (looked for "
                            f"{', '.join(sorted(IMAGE_SUFFIXES))}, recursively) in: {', '.join(map(str, paths))}")
    ocr = ocr or OcrConfig()
    bundle_path = Path(bundle) if bundle is not None else default_bundle_dir()
    the_bundle = bundle_id(bundle_path)
    tasks = BundleManifest.from_dict(json.loads((bundle_path / BUNDLE_FILE).read_text(encoding="utf-8"))).tasks
    for key in (sort_by, *(min_probability or {})):
        check_key(key, tasks)
    for task, label in (labels or {}).items():
        check_key(f"{task}.{label}", tasks, extra_labels=(INSUFFICIENT_TEXT, NO_LABEL))
    on_cluster = engine == "ray" and address is not None and workers is None  # actors: the cluster's CPUs
    device, workers = _plan(device, workers, len(files))
    if device == "cuda":
        ocr = OcrConfig(**{**ocr.to_dict(), "gpu": True})
    ocr_key = ocr.cache_key()

    done: dict[str, dict] = {}       # sha256 -> analysis dict (with "image_hash")
    errors: dict[Path, str] = {}
    hashes: dict[Path, str] = {}
    analysed = 0
    with AnalysisCache(cache) as store:
        for path in files:
            try:
                hashes[path] = sha256_file(path)
            except OSError as exc:
                errors[path] = f"cannot read file: {exc.strerror or exc}"
                continue
            if hashes[path] not in done and (hit := store.get(hashes[path], the_bundle, ocr_key)):
                done[hashes[path]] = hit
        cached = len(done)
        pending: dict[str, Path] = {}
        for path, sha in hashes.items():
            if sha not in done:
                pending.setdefault(sha, path)
        seconds: dict[str, float] = {}
        failed: dict[str, str] = {}  # sha256 -> error, for every file with that content
        bar = _bar(len(hashes) + len(errors), sum(1 for s in hashes.values() if s in done) + len(errors), progress)
        per_sha = Counter(hashes.values())
        chunk = max(1, min(chunk, -(-len(pending) // (2 * workers))))  # small folders still use every worker
        todo = list(pending.items())
        jobs = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
        if todo and device == "cpu" and (workers > 1 or engine == "ray") and address is None:
            from banglahate_gui.model.onnx import ensure_plan
            from banglahate_gui.ocr import craft_onnx
            from banglahate_gui.ocr.reader import OcrReader

            ensure_plan(bundle_path, _threads(workers))  # the ONNX exports and timings, once, before the workers
            craft_onnx.ensure_plan(OcrReader(ocr).easyocr, _threads(workers))
        if engine == "ray":
            from banglahate_gui.triage_ray import run_ray

            results = run_ray(todo, bundle_path, device, ocr, None if on_cluster else workers,
                              1 if on_cluster else _threads(workers), chunk,
                              Path(shards) if shards is not None else Path(f"{out}.shards"), address)
        else:
            results = _run(jobs, bundle_path, device, ocr, workers)
        for result in results:
            if result["analysis"] is not None:
                store.put(result["sha256"], the_bundle, ocr_key, result["analysis"])
                done[result["sha256"]] = result["analysis"]
                analysed += 1
            else:
                failed[result["sha256"]] = result["error"]
            seconds[result["sha256"]] = result["seconds"]
            bar.update(per_sha[result["sha256"]])
        bar.close()

    rows = [_row(path, sha, done.get(sha), errors.get(path) or failed.get(sha), seconds.get(sha), thresholds)
            for path, sha in ((p, hashes.get(p)) for p in files)]
    _assign_groups(rows)
    for row in rows:
        row["risk"] = risk_value(row, sort_by, tasks)
    kept = [r for r in rows if r["error"] or _passes(r, min_probability or {}, labels or {}, tasks)]
    kept.sort(key=risk_key)
    result = TriageResult(kept, Path(out) if out else None, analysed, cached, time.perf_counter() - start, workers,
                          [r for r in kept if r["error"]], tasks, sort_by, len(rows) - len(kept))
    rows = kept
    if out is not None:
        write_rows(rows, out)
    return result


def risk_key(row: dict) -> tuple:
    """Highest `risk` first; insufficient text, then errors last; path breaks ties."""
    p = row["risk"]
    return (row["error"] is not None, p is None, -(p or 0.0), row["path"])


def check_key(key: str, tasks, extra_labels: tuple[str, ...] = ()) -> None:
    """A sort/filter key is `TASK` or `TASK.LABEL` of the bundle's schema (`BanglaHateError` otherwise)."""
    name, _, label = key.partition(".")
    known = {t.name: t for t in tasks}
    if name not in known:
        raise BanglaHateError(f"{key!r}: no task {name!r} in this bundle; tasks: {', '.join(known)}")
    if label and label not in (*known[name].labels, *extra_labels):
        raise BanglaHateError(f"{key!r}: task {name!r} has no label {label!r}; labels: "
                              f"{', '.join(known[name].labels)}")


def risk_value(row: dict, key: str, tasks) -> float | None:
    """The probability `key` names in a row: `TASK.LABEL` that label's; `TASK` alone, a softmax task's
    P(any label but the first, e.g. not `non_violence`) or a multi-label task's highest label. None for
    rows without probabilities (errors, insufficient text)."""
    name, _, label = key.partition(".")
    task = next(t for t in tasks if t.name == name)
    values = [row.get(f"{name}_p_{one}") for one in task.labels]
    if any(v is None for v in values):
        return None
    if label:
        return row[f"{name}_p_{label}"]
    return max(values) if task.kind == "sigmoid" else round(1.0 - values[0], 6)


def _passes(row: dict, minimum: Mapping[str, float], labels: Mapping[str, str], tasks) -> bool:
    from banglahate_gui.model.prediction import split_label

    kinds = {t.name: t.kind for t in tasks}
    for key, threshold in minimum.items():
        value = risk_value(row, key, tasks)
        if value is None or value < threshold:
            return False
    for task, label in labels.items():
        got = row.get(f"{task}_label")
        if got != label and not (kinds[task] == "sigmoid" and label in split_label(got or "")):
            return False
    return True


def _plan(device: str, workers: int | None, n_files: int) -> tuple[str, int]:
    """CUDA (forced, or auto with a GPU) runs one worker; otherwise CPU with `workers` (default: cores)."""
    if device == "cuda" or (device == "auto" and _cuda_available()):
        return "cuda", 1
    cores = os.cpu_count() or 1
    return "cpu", max(1, min(workers or cores, n_files))


def _threads(workers: int) -> int:
    """Threads per worker so that the workers together use every core once."""
    return max(1, (os.cpu_count() or 1) // workers)


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def _bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="img", desc="triage", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True)


def _run(jobs: list[list[tuple[str, Path]]], bundle: Path, device: str, ocr: OcrConfig,
         workers: int) -> Iterator[dict]:
    """Results of every job, in completion order; in-process for one worker, else a spawn pool."""
    threads = _threads(workers)
    if not jobs:
        return
    if workers == 1 or len(jobs) <= 1:  # in this process: torch keeps its own thread count
        init_worker(str(bundle), device, ocr.to_dict(), 0)
        for job in jobs:
            try:
                results = analyze_chunk(job)
            except Exception as exc:  # noqa: BLE001 - as in the pool: the chunk's files become error rows
                results = [{"sha256": sha, "analysis": None, "error": f"worker failed: {exc}", "seconds": 0.0}
                           for sha, _ in job]
            yield from results
        return
    import multiprocessing

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=init_worker,
                               initargs=(str(bundle), device, ocr.to_dict(), threads))
    try:
        futures = {pool.submit(analyze_chunk, job): job for job in jobs[:2 * workers]}
        queue = iter(jobs[2 * workers:])  # a bounded number in flight: memory stays flat
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                job = futures.pop(future)
                try:
                    yield from future.result()
                except BrokenProcessPool as exc:
                    raise BanglaHateError("a triage worker died (out of memory?); run the same command again: "
                                          "finished files are in the cache") from exc
                except Exception as exc:  # a chunk that failed as a whole: its files become error rows
                    yield from ({"sha256": sha, "analysis": None, "error": f"worker failed: {exc}", "seconds": 0.0}
                                for sha, _ in job)
                nxt = next(queue, None)
                if nxt is not None:
                    futures[pool.submit(analyze_chunk, nxt)] = nxt
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_MODERATOR = None
_LOADED_WITH: tuple | None = None


def init_worker(bundle: str, device: str, ocr: dict, threads: int) -> None:
    """Per worker: thread counts (0 = leave as is), then the models, loaded once."""
    global _MODERATOR, _LOADED_WITH
    if _LOADED_WITH == (bundle, device, ocr):
        return
    if threads:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch

    from banglahate_gui.pipeline import Moderator

    if threads:
        torch.set_num_threads(threads)
        import cv2

        cv2.setNumThreads(threads)
    _MODERATOR = Moderator.load(bundle, device=device, ocr=OcrConfig(**ocr))
    _LOADED_WITH = (bundle, device, ocr)


def analyze_chunk(job: list[tuple[str, Path]]) -> list[dict]:
    """OCR each file of a chunk, classify all their texts (and message blocks) in one batch; a failing
    file is an error result."""
    from banglahate_gui.grouping import image_hash
    from banglahate_gui.ocr.image import load_image
    from banglahate_gui.pipeline import image_analysis, image_texts
    from banglahate_gui.text import normalize_with_info

    moderator = _MODERATOR
    config = moderator.ocr.config
    read: list[tuple[str, Path, object, list, list, str, float]] = []
    out: list[dict] = []
    for sha, path in job:
        began = time.perf_counter()
        try:
            image = load_image(path, config.max_pixels, config.max_bytes)
            result = moderator.read(image)
            texts = image_texts(result, config.text_scope)
            read.append((sha, path, result, texts, [normalize_with_info(t) for t in texts], image_hash(image),
                         time.perf_counter() - began))
        except Exception as exc:  # noqa: BLE001 - one bad file never fails the others of its chunk
            error = str(exc) if isinstance(exc, (BanglaHateError, OSError, ValueError)) else \
                f"internal error ({type(exc).__name__}: {exc})"
            out.append({"sha256": sha, "analysis": None, "error": error, "seconds": time.perf_counter() - began})
    began = time.perf_counter()  # no text, or nothing to judge: `insufficient_text` predictions
    texts = [n.text for _, _, _, _, normalized, _, _ in read for n in normalized]
    predictions = iter(moderator.classifier.predict_normalized(texts) if texts else [])
    share = (time.perf_counter() - began) / max(1, len(read))
    for sha, path, result, texts, normalized, phash, took in read:
        analysis = image_analysis(str(path), result, texts, normalized, [next(predictions) for _ in normalized],
                                  moderator.classifier.bundle_id)
        out.append({"sha256": sha, "analysis": {**analysis.to_dict(), "image_hash": phash}, "error": None,
                    "seconds": took + share})
    return out


def _background_text(ocr: dict) -> str | None:
    """The image's lines marked background (not classified under the default "caption" scope)."""
    if not ocr:
        return None
    from banglahate_gui.ocr.result import OcrResult

    return OcrResult.from_dict(ocr).background_text or None


def _row(path: Path, sha: str | None, analysis: dict | None, error: str | None, seconds: float | None,
         thresholds: Mapping[str, Mapping[str, float]] | None = None) -> dict:
    row = {"path": str(path), "sha256": sha, "size": _size(path), "risk": None, "hate_probability": None}
    if analysis is not None:
        prediction = analysis["prediction"]
        if thresholds:  # the cache keeps the bundle's decision; a moderator's thresholds decide again
            from banglahate_gui.model.prediction import Prediction

            prediction = Prediction.from_dict(prediction).with_thresholds(thresholds).to_dict()
        row.update(flatten_prediction(prediction))
        ocr = analysis.get("ocr") or {}
        blocks, riskiest = analysis.get("blocks") or [], analysis.get("riskiest_block")
        row.update(insufficient_text=bool(prediction.get("insufficient_text")), text=analysis["text"],
                   background_text=_background_text(ocr),
                   normalized_text=analysis["normalized_text"], blocks=max(1, len(blocks)), riskiest_block=riskiest,
                   riskiest_block_text=None if riskiest is None else blocks[riskiest]["text"],
                   ocr_engine=ocr.get("engine"),
                   ocr_confidence=ocr.get("confidence"), bundle_id=analysis["bundle_id"],
                   image_hash=analysis.get("image_hash"))
    row.update(group=None, group_size=None, error=error if analysis is None else None,
               seconds=round(seconds, 3) if seconds is not None else 0.0,
               cached=seconds is None and analysis is not None)
    return row


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _assign_groups(rows: list[dict]) -> None:
    """Group ids `g<number>` over analysed rows (in path order, so a re-run numbers them the same)."""
    analysed = [r for r in rows if r["error"] is None and r.get("bundle_id")]
    for row in analysed:
        if not row.get("image_hash"):  # an analysis cached by the GUI carries no image hash
            row["image_hash"] = _phash_or_none(Path(row["path"]))
    ids = group_ids([GroupItem(r["normalized_text"], r["image_hash"]) for r in analysed])
    sizes = Counter(ids)
    for row, gid in zip(analysed, ids):
        row["group"], row["group_size"] = f"g{gid:05d}", sizes[gid]


def _phash_or_none(path: Path) -> str | None:
    from banglahate_gui.grouping import image_hash
    from banglahate_gui.ocr.image import load_image

    try:
        return image_hash(load_image(path))
    except (BanglaHateError, OSError, ValueError):
        return None


def csv_safe(row: dict) -> dict:
    """A row for a spreadsheet: text cells starting with = + - @ (a formula when opened) get a leading '.
    OCR text comes from untrusted images; JSONL and Parquet keep it verbatim."""
    return {k: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
            for k, v in row.items()}


def columns(rows: list[dict]) -> list[str]:
    """Every column, in order of first appearance (error rows lack the prediction columns)."""
    return list(dict.fromkeys(key for row in rows for key in row))


def write_rows(rows: list[dict], out: str | Path) -> Path:
    """Write rows as .csv, .jsonl or .parquet (by suffix); an unfinished file never replaces a good one."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = columns(rows)
    full = [{name: row.get(name) for name in names} for row in rows]
    partial = out.with_name(out.name + ".part")
    suffix = out.suffix.lower()
    # a non-UTF-8 file name holds lone surrogates: written as \udcXX text, never a UnicodeEncodeError
    if suffix == ".csv":
        with open(partial, "w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
            writer = csv.DictWriter(handle, fieldnames=names)
            writer.writeheader()
            writer.writerows(csv_safe(row) for row in full)
    elif suffix == ".jsonl":
        with open(partial, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in full)
    elif suffix == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise BanglaHateError("Parquet output needs pyarrow: pip install 'banglahate-gui[triage]'") from exc
        full = [{k: v.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(v, str) else v
                 for k, v in row.items()} for row in full]
        pq.write_table(pa.Table.from_pylist(full), partial)
    else:
        raise ValueError(f"output must end in one of {', '.join(OUTPUT_FORMATS)}, got {out}")
    os.replace(partial, out)
    return out


def flatten_prediction(prediction: dict) -> dict:
    """`hate_probability`, then per task `<task>_label` and `<task>_p_<label>` (flat columns)."""
    row = {"hate_probability": prediction.get("hate_probability")}
    for task, value in prediction["tasks"].items():
        label = value["label"]
        row[f"{task}_label"] = "|".join(label) if isinstance(label, list) else label
        for name, p in (value.get("probabilities") or {}).items():
            row[f"{task}_p_{name}"] = p
    return row


def prediction_columns(tasks) -> list[str]:
    """The flat prediction columns of a bundle's tasks, in `flatten_prediction` order."""
    names = ["hate_probability"]
    for t in tasks:
        names += [f"{t.name}_label"] + [f"{t.name}_p_{label}" for label in t.labels]
    return names


def read_texts(source: str | Path, column: str = "text") -> Iterator[tuple[str, str]]:
    """(source name, text) per input, read lazily: .csv/.jsonl take `column`, anything else (and "-",
    standard input) one text per non-blank line. Names are `file:line` (`file:row` for CSV)."""
    if str(source) == "-":
        yield from ((f"stdin:{n}", line.rstrip("\r\n")) for n, line in enumerate(sys.stdin, 1) if line.strip())
        return
    path = Path(source)
    suffix = path.suffix.lower()
    try:
        handle = open(path, encoding="utf-8", newline="" if suffix == ".csv" else None)
    except OSError as exc:  # a user's input file: a fatal error (exit 2), not a crash
        raise BanglaHateError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        if suffix == ".csv":
            reader = csv.DictReader(handle)
            if column not in (reader.fieldnames or []):
                raise BanglaHateError(f"{path}: no column {column!r} (columns: {', '.join(reader.fieldnames or [])}); "
                                      "pass --column")
            yield from ((f"{path}:{n}", row[column] or "") for n, row in enumerate(reader, 1))
        elif suffix == ".jsonl":
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise BanglaHateError(f"{path}:{n}: not JSON ({exc})") from None
                if not isinstance(record, dict) or not isinstance(record.get(column), str):
                    raise BanglaHateError(f"{path}:{n}: expected a JSON object with a string field {column!r}")
                yield f"{path}:{n}", record[column]
        else:
            yield from ((f"{path}:{n}", line.rstrip("\r\n")) for n, line in enumerate(handle, 1) if line.strip())


def analyze_texts(moderator, inputs: Iterable[tuple[str, str]], batch_size: int = 64) -> Iterator[tuple[str, object]]:
    """Per input, in order, (source, its `Analysis` or the `EmptyTextError` `analyze_text` would raise),
    classifying `batch_size` texts per model call."""
    from banglahate_gui.errors import EmptyTextError
    from banglahate_gui.pipeline import Analysis
    from banglahate_gui.text import normalize_with_info

    inputs = iter(inputs)
    while True:
        batch = [pair for _, pair in zip(range(batch_size), inputs)]
        if not batch:
            return
        normalized = [normalize_with_info(text) for _, text in batch]
        texts = [n.text for n in normalized if n.text]
        predictions = iter(moderator.classifier.predict_normalized(texts, batch_size) if texts else [])
        for (source, text), norm in zip(batch, normalized):
            if not norm.text:
                yield source, EmptyTextError(f"{source}: there is no text to classify; type or correct the text "
                                             "and analyze again")
                continue
            yield source, Analysis(source, text, norm.text, norm.truncated, next(predictions),
                                   moderator.classifier.bundle_id)
