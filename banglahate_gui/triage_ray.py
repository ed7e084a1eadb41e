"""The Ray engine of `banglahate triage` (`--engine ray [--address ADDR]`): the same analyses on a cluster.

Ray Data maps the list of files to be analysed through a pool of actors, each holding one `Moderator`
(loaded once, as a local worker process does; `triage.init_worker` / `triage.analyze_chunk`). The driver
(this process) streams the finished batches back: each is written as one Parquet shard and every
analysis goes into the same `AnalysisCache` as the local engine's, so a re-run (local or Ray) resumes.
Without `address`, a private local Ray is started (no dashboard, small object store) and stopped at
the end. On a cluster every node needs this package (and its models) installed, and the image paths
must be readable at the same place on every node (a shared filesystem).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from banglahate_gui.errors import BanglaHateError
from banglahate_gui.ocr.config import OcrConfig

LOCAL_OBJECT_STORE = 128 * 1024 * 1024
"""Object store of the private local Ray: results are small (texts and probabilities)."""
SHARD_PREFIX = "part-"


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


class Analyzer:
    """A Ray Data actor: one moderator per actor; a batch of (sha256, path) rows in, one result row each out."""

    def __init__(self, bundle: str, device: str, ocr: dict, threads: int):
        from banglahate_gui.triage import init_worker

        init_worker(bundle, device, ocr, threads)

    def __call__(self, batch: dict) -> dict:
        from banglahate_gui.triage import analyze_chunk

        results = analyze_chunk([(str(sha), Path(str(path))) for sha, path in zip(batch["sha256"], batch["path"])])
        return {"sha256": [r["sha256"] for r in results],
                "analysis": [None if r["analysis"] is None else json.dumps(r["analysis"], ensure_ascii=False)
                             for r in results],
                "error": [r["error"] for r in results],
                "seconds": [float(r["seconds"]) for r in results]}


def run_ray(files: list[tuple[str, Path]], bundle: Path, device: str, ocr: OcrConfig, workers: int | None,
            threads: int, chunk: int, shards: Path, address: str | None = None) -> Iterator[dict]:
    """Analyse `files` ((sha256, path) pairs) on Ray with `workers` actors (None: as many as the cluster's
    CPUs allow) of `threads` CPUs (and a GPU each with CUDA), writing each finished batch to
    `shards`/part-NNNNN.parquet; yields the local engine's result dicts ({"sha256", "analysis", "error",
    "seconds"}) as batches finish."""
    if not files:
        return
    if not ray_available():
        raise BanglaHateError("--engine ray needs Ray: pip install 'banglahate-gui[ray]'")
    import pyarrow as pa
    import pyarrow.parquet as pq
    import ray

    env = {name: value for name, value in os.environ.items() if name.startswith("BANGLAHATE_")}  # same settings
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="false")
    started_here = not ray.is_initialized()
    if started_here:
        options = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                       runtime_env={"env_vars": env})
        if address:
            ray.init(address=address, **options)
        else:
            workers = workers or 1
            ray.init(num_cpus=workers * threads, num_gpus=1 if device == "cuda" else 0,
                     object_store_memory=LOCAL_OBJECT_STORE, **options)
    try:
        if workers is None:
            workers = max(1, min(len(files), int(ray.cluster_resources().get("CPU", 1)) // threads))
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # triage draws its own bar
        context.print_on_execution_start = False
        dataset = ray.data.from_items([{"sha256": sha, "path": str(path)} for sha, path in files],
                                      override_num_blocks=min(len(files), 4 * workers))
        mapped = dataset.map_batches(
            Analyzer, batch_size=chunk, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers),
            fn_constructor_args=(str(bundle), device, ocr.to_dict(), threads),
            num_cpus=threads, num_gpus=1 if device == "cuda" else 0)
        shards.mkdir(parents=True, exist_ok=True)
        for stale in shards.glob(f"{SHARD_PREFIX}*.parquet"):  # shards of an earlier run of the same output
            stale.unlink()
        for n, batch in enumerate(mapped.iter_batches(batch_size=None, batch_format="pyarrow")):
            target = shards / f"{SHARD_PREFIX}{n:05d}.parquet"
            partial = target.with_name(target.name + ".part")
            pq.write_table(batch if isinstance(batch, pa.Table) else pa.Table.from_pydict(batch), partial)
            os.replace(partial, target)
            for row in batch.to_pylist():
                yield {"sha256": row["sha256"], "analysis": None if row["analysis"] is None else
                       json.loads(row["analysis"]), "error": row["error"], "seconds": row["seconds"]}
    finally:
        if started_here:
            ray.shutdown()


def read_shards(shards: Path) -> list[dict]:
    """Every result row written to `shards` (sha256, analysis as JSON text, error, seconds)."""
    import pyarrow.parquet as pq

    return [row for path in sorted(shards.glob(f"{SHARD_PREFIX}*.parquet")) for row in pq.read_table(path).to_pylist()]
