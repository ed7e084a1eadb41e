"""ONNX Runtime for EasyOCR's CRAFT detector on the CPU: CRAFT is most of an image's OCR time.

Two ONNX variants of the pinned detector (`trust.PINNED_FILES`):
- int8: statically quantized, shipped in `resources/detector` (made by `train.craft_int8`, whose report
  beside it gives the line agreement with PyTorch) and pinned by `SHIPPED_INT8_SHA256`;
- fp32: exported once into the user cache (`<cache dir>/onnx/craft-<weights sha>/`), used only when its
  score maps match PyTorch within `TOLERANCE` on a seeded probe (`plan.json` keeps the SHA-256 of the
  weights and of the file).
Every file is hashed before a session is created; a changed file is never run (the fp32 export is made
again, the int8 file is left out). `$BANGLAHATE_INFERENCE` chooses as for the classifier, where int8 is
automatic only within 0.01 of PyTorch's output: "torch"; "onnx" (fp32); "onnx-int8" (int8, on request
only: its score maps differ from PyTorch's by up to 0.07, which moved a few lines on the OCR benchmark's
scene photos); "auto" = the faster of PyTorch and the fp32 export at the current thread count, measured
once and remembered in `speed.json`. A GPU reader always stays on PyTorch, and any failure keeps
PyTorch: OCR never fails for want of a faster runtime.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import time
import warnings
from pathlib import Path

import numpy as np

from banglahate_gui.hashing import sha256_bytes
from banglahate_gui.model.onnx import onnx_available, requested_inference
from banglahate_gui.ocr.trust import DETECTOR_FILE, PINNED_FILES
from banglahate_gui.resources import resources_dir

log = logging.getLogger(__name__)

PLAN_FILE = "plan.json"
SPEED_FILE = "speed.json"
PLAN_FORMAT = "banglahate-craft-onnx/1"
ONNX_FILE = "craft.onnx"
INT8_FILE = "craft_mlt_25k.int8.onnx"
INT8_REPORT = "craft_int8_report.json"
SHIPPED_INT8_SHA256 = "7119128b7040943a2d218876645e6c43ebe14160b5533b28da5d4f8101f48414"
MAX_ONNX_BYTES = 256 << 20
TOLERANCE = 1e-4
"""Largest |difference| of the text/link score maps (0..1) between the fp32 export and PyTorch on the probe."""
PROBE_SIZE = (480, 640)
"""Height and width of the probe: an 800x600 meme at the detection canvas (`DETECT_OPTIONS`)."""
ROUNDS = 2
FASTER = 1.05
"""An ONNX variant is chosen over PyTorch only when at least this many times faster."""


class OnnxCraft:
    """Stands in for EasyOCR's CRAFT module: called with the normalized batch tensor, returns (score maps, None)."""

    def __init__(self, data: bytes, threads: int, variant: str = "fp32") -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        self.variant = variant

    def __call__(self, batch):
        import torch

        scores = self.session.run(["scores"], {"image": batch.numpy().astype(np.float32, copy=False)})[0]
        return torch.from_numpy(scores), None  # EasyOCR's test_net reads only the score maps


def accelerated(reader):
    """`reader` itself, or a shallow copy whose detector runs on ONNX Runtime (see the module docstring)."""
    asked = requested_inference()
    if asked == "torch" or str(getattr(reader, "device", "cpu")) != "cpu" or not onnx_available():
        return reader
    try:
        candidates = variants(reader.detector, asked)
        if not candidates:
            return reader
        choice = next(iter(candidates))
        if asked == "auto":
            choice = measure(reader.detector, candidates)["choice"]
            if choice == "torch":
                return reader
        fast = copy.copy(reader)
        fast.detector = OnnxCraft(candidates[choice], _threads(), choice)
        return fast
    except Exception as exc:  # noqa: BLE001 - see the module docstring
        log.warning("ONNX Runtime not used for the CRAFT detector (%s); detecting with PyTorch", exc)
        return reader


def readings_key(gpu: bool) -> str:
    """What the detector's runtime adds to the OCR cache key: "int8" when the int8 detector is asked for
    (its boxes differ from PyTorch's), else "exact" (PyTorch and the fp32 export read the same lines)."""
    return "int8" if not gpu and requested_inference() == "onnx-int8" else "exact"


def variants(detector, asked: str) -> dict[str, bytes]:
    """The checked ONNX bytes `asked` may use, by variant: int8 for "onnx-int8" when shipped and intact,
    else fp32 when its export matches PyTorch."""
    found: dict[str, bytes] = {}
    if asked == "onnx-int8" and (int8 := shipped_int8()) is not None:
        found["int8"] = int8
    if not found:
        data, plan = prepare(detector)
        if plan["parity_ok"]:
            found["fp32"] = data
        else:
            log.warning("CRAFT's ONNX export differs from PyTorch by %.2g; not used", plan["max_diff"])
    return found


def shipped_int8() -> bytes | None:
    """The shipped int8 detector if present and its SHA-256 is the pinned one (else None, with a warning
    when the file is there but changed)."""
    path = resources_dir() / "detector" / INT8_FILE
    try:
        if path.stat().st_size > MAX_ONNX_BYTES:
            raise OSError(f"larger than {MAX_ONNX_BYTES} bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("%s unreadable (%s); not used", path, exc)
        return None
    if sha256_bytes(data) != SHIPPED_INT8_SHA256:
        log.warning("%s does not have the pinned SHA-256; not used", path)
        return None
    return data


def ensure_plan(engine, threads: int) -> None:
    """Export and time CRAFT for `engine` (an `EasyOcrEngine`) at `threads` threads now, once, so that
    worker processes started next find the choice instead of each measuring it while the others run."""
    asked = requested_inference()
    if asked != "auto" or engine.gpu or not onnx_available():
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        cached = read_plan(plan_folder())  # exported and timed already: no reader to build in this process
        if cached is not None and (not cached[1]["parity_ok"] or
                                   _usable(_speeds().get(_speed_key({"fp32": cached[0]})), {"fp32": cached[0]})):
            return
        detector = engine.reader().detector
        candidates = variants(detector, asked)
        if candidates:
            measure(detector, candidates)
    except Exception as exc:  # noqa: BLE001 - each worker's `accelerated` falls back on its own
        log.warning("CRAFT's ONNX choice not prepared (%s)", exc)
    finally:
        torch.set_num_threads(previous)


def plan_folder() -> Path:
    """`<cache dir>/onnx/craft-<weights sha>/` (the analysis cache's folder, `$BANGLAHATE_CACHE_DIR` if set)."""
    from banglahate_gui.cache import default_cache_path

    return default_cache_path().parent / "onnx" / f"craft-{PINNED_FILES[DETECTOR_FILE][:16]}"


def prepare(detector) -> tuple[bytes, dict]:
    """The checked fp32 ONNX bytes and their plan: reused when `plan.json` names this detector and the
    file still has its recorded SHA-256, else exported and compared with PyTorch on the probe."""
    folder = plan_folder()
    found = read_plan(folder)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{ONNX_FILE}.{os.getpid()}.part"
    export(detector, partial)
    data = partial.read_bytes()
    max_diff = float(np.abs(_run(OnnxCraft(data, _threads()), probe()) - _run(detector, probe())).max())
    os.replace(partial, folder / ONNX_FILE)
    plan = {"format": PLAN_FORMAT, "weights_sha256": PINNED_FILES[DETECTOR_FILE], "file": ONNX_FILE,
            "sha256": sha256_bytes(data), "max_diff": max_diff, "tolerance": TOLERANCE,
            "parity_ok": max_diff <= TOLERANCE}
    _write_json(folder / PLAN_FILE, plan)
    return data, plan


def read_plan(folder: Path) -> tuple[bytes, dict] | None:
    """(ONNX bytes, plan) when the plan is of this format and detector and the file matches its SHA-256."""
    try:
        plan = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
        if plan.get("format") != PLAN_FORMAT or plan.get("weights_sha256") != PINNED_FILES[DETECTOR_FILE]:
            return None
        data = (folder / plan["file"]).read_bytes()
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return (data, plan) if sha256_bytes(data) == plan.get("sha256") else None


def export(detector, out: Path) -> None:
    """CRAFT (eval mode) to ONNX: input "image" (batch, 3, height, width), output "scores" (the text and
    link maps at half resolution; the feature output EasyOCR ignores is left out)."""
    import torch

    class Scores(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, image):
            return self.inner(image)[0]

    dynamic = {"image": {0: "batch", 2: "height", 3: "width"}, "scores": {0: "batch", 1: "rows", 2: "cols"}}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Scores(detector).eval(), (torch.from_numpy(probe()),), str(out), input_names=["image"],
                          output_names=["scores"], dynamic_axes=dynamic, opset_version=17, dynamo=False,
                          do_constant_folding=True)


def measure(detector, candidates: dict[str, bytes]) -> dict:
    """Seconds per probe of PyTorch and each candidate at the current thread count (best of `ROUNDS`,
    interleaved) and the choice (an ONNX variant only when `FASTER`), remembered in `speed.json`."""
    known, key = _speeds(), _speed_key(candidates)
    if _usable(known.get(key), candidates):
        return known[key]
    threads, image = _threads(), probe()
    runs = {"torch": detector, **{name: OnnxCraft(data, threads, name) for name, data in candidates.items()}}
    best = {name: float("inf") for name in runs}
    for run in runs.values():  # warm-up
        _run(run, image)
    for _ in range(ROUNDS):
        for name, run in runs.items():
            started = time.perf_counter()
            _run(run, image)
            best[name] = min(best[name], time.perf_counter() - started)
    fastest = min(candidates, key=best.get)
    entry = {"seconds": {name: round(s, 4) for name, s in best.items()},
             "choice": fastest if best[fastest] * FASTER <= best["torch"] else "torch"}
    plan_folder().mkdir(parents=True, exist_ok=True)
    _write_json(plan_folder() / SPEED_FILE, {**known, key: entry})
    return entry


def _speeds() -> dict:
    """`speed.json`: the measured choice per thread count and candidate files (empty when unreadable)."""
    try:
        known = json.loads((plan_folder() / SPEED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _speed_key(candidates: dict[str, bytes]) -> str:
    return f"{_threads()} threads: " + ", ".join(f"{name} {sha256_bytes(data)[:12]}" for name, data in candidates.items())


def _usable(entry, candidates: dict[str, bytes]) -> bool:
    return isinstance(entry, dict) and entry.get("choice") in ("torch", *candidates)


def probe() -> np.ndarray:
    """A seeded (1, 3, height, width) float32 batch in the range of EasyOCR's normalized input."""
    return np.random.default_rng(0).uniform(-2.0, 2.2, (1, 3, *PROBE_SIZE)).astype(np.float32)


def _run(detector, image: np.ndarray) -> np.ndarray:
    import torch

    with torch.inference_mode(False), torch.no_grad():
        return detector(torch.from_numpy(image))[0].numpy()


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _threads() -> int:
    import torch

    return torch.get_num_threads()
