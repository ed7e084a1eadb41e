"""ONNX Runtime inference for a bundle's encoder members on the CPU: export, int8 gate, speed choice.

Each encoder member (with its task heads) is exported once to ONNX with dynamic batch and sequence axes,
into the user cache (`<cache dir>/onnx/<bundle name>-<key>/`, the key covering `bundle.json` and every
encoder's weights). A dynamic-int8 copy of each member is kept only where the fused, calibrated
probabilities stay within `INT8_TOLERANCE` of PyTorch on a validation sample (every task, every label)
under every batching in `GATE_BATCHINGS` (int8 activations are quantized per batch, so a text's
probabilities depend on what it is batched with); the fp32 export must match within `FP32_TOLERANCE` or
ONNX is not used at all. Which of PyTorch, ONNX
fp32 and ONNX int8 is fastest at the current thread count is measured once and remembered in
`plan.json`. ONNX files are data (no code runs on load); `plan.json` records the SHA-256 of each ONNX
file and of the weights it was exported from, and both are checked before a session is created: a
changed weight or ONNX file is exported again, never run. A CUDA device always stays on PyTorch.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from banglahate_gui.errors import BanglaHateError
from banglahate_gui.hashing import sha256_bytes, sha256_file
from banglahate_gui.model.bundle import BUNDLE_FILE, HEADS_FILE

log = logging.getLogger(__name__)

INFERENCE_CHOICES = ("auto", "torch", "onnx", "onnx-int8")
"""auto: the fastest measured on this machine (CPU only); torch; onnx (fp32); onnx-int8 (int8 where accepted)."""
INFERENCE_ENV = "BANGLAHATE_INFERENCE"
FP32_TOLERANCE = 1e-4
INT8_TOLERANCE = 0.01
PLAN_FILE = "plan.json"
PLAN_FORMAT = "banglahate-onnx/2"  # 2: the int8 gate runs on three batchings
SAMPLE_TEXTS = 256
"""Validation texts for the parity gate."""
GATE_BATCHINGS = ("length-sorted", "mixed", "single")
"""How the gate batches its sample: the app's length-sorted batches of 64, random mixed-length batches of
`MIXED_BATCH`, and each of the first `SINGLE_TEXTS` texts alone (the GUI's one text per call)."""
MIXED_BATCH = 16
SINGLE_TEXTS = 64
SPEED_TEXTS = 128
"""Texts per round of the speed measurement."""
INPUT_NAMES = ("input_ids", "attention_mask")
_WEIGHT_FILES = ("config.json", "model.safetensors", HEADS_FILE)
"""What an export depends on (the tokenizer is not part of the ONNX graph)."""


class OnnxUnavailable(BanglaHateError):
    """onnxruntime is not installed, or a bundle cannot be exported."""


def requested_inference(value: str | None = None) -> str:
    """`value`, else `$BANGLAHATE_INFERENCE`, else "auto"; an unknown name is a ValueError."""
    name = (value or os.environ.get(INFERENCE_ENV) or "auto").lower()
    if name not in INFERENCE_CHOICES:
        raise ValueError(f"unknown inference path {name!r}; choose one of {', '.join(INFERENCE_CHOICES)}")
    return name


def onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxEncoder:
    """One exported member: an ONNX Runtime session, created from bytes whose SHA-256 was checked first."""

    def __init__(self, path: Path, sha256: str, task_names: tuple[str, ...], threads: int):
        import onnxruntime as ort

        data = path.read_bytes()
        if sha256_bytes(data) != sha256:
            raise OnnxUnavailable(f"{path}: SHA-256 does not match {PLAN_FILE}; not loaded")
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        inputs = tuple(i.name for i in self.session.get_inputs())
        outputs = tuple(o.name for o in self.session.get_outputs())
        if inputs != INPUT_NAMES or outputs != task_names:
            raise OnnxUnavailable(f"{path}: inputs {inputs} / outputs {outputs} do not match the bundle's tasks")
        self.task_names = task_names
        self.path = path

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> dict[str, np.ndarray]:
        feeds = {"input_ids": input_ids.astype(np.int64, copy=False),
                 "attention_mask": attention_mask.astype(np.int64, copy=False)}
        return dict(zip(self.task_names, self.session.run(None, feeds)))


def weights_digest(folder: Path) -> str:
    """SHA-256 over the files an encoder export depends on."""
    return sha256_bytes("".join(f"{name} {sha256_file(folder / name)}\n" for name in _WEIGHT_FILES).encode())


def plan_dir(root: Path, members: dict[str, str], cache_dir: Path | None = None) -> Path:
    """Where a bundle's ONNX files live: keyed by its `bundle.json` and its encoders' weights."""
    from banglahate_gui.cache import default_cache_path

    base = Path(cache_dir) if cache_dir is not None else default_cache_path().parent
    manifest = (root / BUNDLE_FILE).read_bytes()
    key = sha256_bytes(manifest + json.dumps(members, sort_keys=True).encode())[:16]
    return base / "onnx" / f"{json.loads(manifest)['name']}-{key}"


def export_encoder(model, out: Path) -> None:
    """Export a `MultiTaskEncoder` (eval mode) to `out`: inputs input_ids/attention_mask, one output per task."""
    import torch

    class Heads(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            logits = self.inner(input_ids=input_ids, attention_mask=attention_mask)
            return tuple(logits[t.name] for t in self.inner.tasks)

    example = torch.randint(5, 100, (2, 8)), torch.ones((2, 8), dtype=torch.long)
    example[1][1, 5:] = 0
    dynamic = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    dynamic.update({t.name: {0: "batch"} for t in model.tasks})
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + f".{os.getpid()}.part")
    # the exporter restores the wrapper's train/eval mode afterwards, so the wrapper is put in eval mode too
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Heads(model).eval(), example, str(partial), input_names=list(INPUT_NAMES),
                          output_names=[t.name for t in model.tasks], dynamic_axes=dynamic, opset_version=17,
                          dynamo=False, do_constant_folding=True)
    os.replace(partial, out)


def quantize_int8(source: Path, out: Path) -> None:
    """Dynamic int8 quantization of the MatMul/Gemm weights (activations quantized at run time, per batch;
    per-channel weights were tried: no faster, and further from PyTorch on the gate's batchings)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = out.with_name(out.name + f".{os.getpid()}.part")
    quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"])
    os.replace(partial, out)


def validation_texts(classifier, count: int = SAMPLE_TEXTS, seed: int = 0) -> list[str]:
    """Seeded texts decoded from random pieces of the encoders' vocabularies, of every length up to the
    bundle's `max_length` (the runtime has no labeled data; `prepare` also takes real texts)."""
    from banglahate_gui.text import normalize

    rng = np.random.default_rng(seed)
    pools = []
    for _, tokenizer in classifier.branches.values():
        special = set(tokenizer.all_special_ids)
        pools.append((tokenizer, np.array([i for i in range(len(tokenizer)) if i not in special])))
    texts = []
    for i in range(count):
        tokenizer, pool = pools[i % len(pools)]
        pieces = rng.choice(pool, size=int(rng.integers(1, classifier.max_length + 1))).tolist()
        texts.append(normalize(tokenizer.decode(pieces)) or "x")
    return texts


def _batched_member_proba(classifier, texts: list[str], seed: int = 0) -> dict[str, tuple[np.ndarray, dict]]:
    """Per batching of `GATE_BATCHINGS`: (the rows it covers, each encoder member's probabilities for those
    rows; the lexical member does not depend on batching)."""
    single = np.arange(min(SINGLE_TEXTS, len(texts)))
    mixed = np.random.default_rng(seed).permutation(len(texts))
    groups = {"length-sorted": [np.arange(len(texts))],
              "mixed": [mixed[i:i + MIXED_BATCH] for i in range(0, len(texts), MIXED_BATCH)],
              "single": [single[i:i + 1] for i in single]}
    out = {}
    for name in GATE_BATCHINGS:
        parts = [classifier.member_proba([texts[i] for i in rows], batch_size=64, names=tuple(classifier.branches))
                 for rows in groups[name]]
        rows = np.concatenate(groups[name])
        out[name] = (rows, {m: {t: np.concatenate([p[m][t] for p in parts]) for t in parts[0][m]}
                            for m in parts[0]})
    return out


def _by_batching(per_variant: dict[str, dict]):
    """(rows, {variant: per-member probabilities}) for each batching the gate ran."""
    for name in GATE_BATCHINGS:
        rows = per_variant["fp32"][name][0]
        yield rows, {variant: outputs[name][1] for variant, outputs in per_variant.items()}


def _rows(probabilities: dict, rows: np.ndarray) -> dict:
    """`probabilities` (task → array, or member → task → array) restricted to `rows`, in that order."""
    return {k: _rows(v, rows) if isinstance(v, dict) else v[rows] for k, v in probabilities.items()}


def _fused_diff(classifier, per_member: dict, reference: dict) -> float:
    """Largest |ΔP| of the fused, calibrated probabilities from `per_member` against `reference`."""
    fused = classifier.calibrate(_fused(classifier, per_member))
    return max(float(np.abs(fused[t] - reference[t]).max(initial=0.0)) for t in reference)


def _member_diff(a: dict, b: dict) -> float:
    return max(float(np.abs(a[t] - b[t]).max(initial=0.0)) for t in a)


def open_sessions(classifier, plan: dict, folder: Path, variant: str, threads: int) -> dict[str, OnnxEncoder]:
    """Per encoder member, its `variant` session ("fp32", or "int8" where the gate accepted it)."""
    names = tuple(t.name for t in classifier.tasks)
    out = {}
    for member, entry in plan["members"].items():
        chosen = entry["int8"] if variant == "int8" and entry["int8"]["accepted"] else entry["fp32"]
        out[member] = OnnxEncoder(folder / chosen["file"], chosen["sha256"], names, threads)
    return out


def prepare(classifier, root: Path, texts: list[str] | None = None, cache_dir: Path | None = None,
            int8_tolerance: float = INT8_TOLERANCE) -> tuple[dict, Path]:
    """Export (or reuse) every encoder member and its int8 copy, run the parity gate on `texts` (default:
    `validation_texts`), write `plan.json`; returns (plan, folder)."""
    if not onnx_available():
        raise OnnxUnavailable("ONNX inference needs onnxruntime: pip install 'banglahate-gui[onnx]'")
    root = Path(root)
    digests = {m: weights_digest(root / m) for m in classifier.branches}
    folder = plan_dir(root, digests, cache_dir)
    plan = read_plan(folder, digests)
    if plan is not None and texts is None and plan["tolerances"]["int8"] == int8_tolerance:
        return plan, folder
    source = "vocabulary" if texts is None else "given"
    texts = list(texts) if texts is not None else validation_texts(classifier)
    threads = _threads()
    started = time.perf_counter()
    for member, (model, _) in classifier.branches.items():
        export_encoder(model, folder / f"{member}.fp32.onnx")
        quantize_int8(folder / f"{member}.fp32.onnx", folder / f"{member}.int8.onnx")
    hashes = {(m, v): sha256_file(folder / f"{m}.{v}.onnx") for m in digests for v in ("fp32", "int8")}
    previous = classifier.inference, classifier.runtimes
    try:
        classifier.use("torch", {})
        reference_members = classifier.member_proba(texts)
        reference = classifier.calibrate(_fused(classifier, reference_members))
        members, per_variant = {}, {}
        for variant in ("fp32", "int8"):
            sessions = {m: OnnxEncoder(folder / f"{m}.{variant}.onnx", hashes[m, variant],
                                       tuple(t.name for t in classifier.tasks), threads) for m in digests}
            classifier.use("onnx", sessions)
            per_variant[variant] = _batched_member_proba(classifier, texts)

        def fused_diff(replaced: dict[str, str]) -> float:
            """Largest fused difference, over every batching, with `replaced` members (member → variant)."""
            return max(_fused_diff(classifier, {**_rows(reference_members, rows),
                                                **{m: outputs[v][m] for m, v in replaced.items()}},
                                   _rows(reference, rows))
                       for rows, outputs in _by_batching(per_variant))

        for member in digests:
            entry = {"weights_sha256": digests[member]}
            for variant in ("fp32", "int8"):
                entry[variant] = {"file": f"{member}.{variant}.onnx",
                                  "sha256": hashes[member, variant],
                                  "member_max_diff": max(_member_diff(outputs[variant][member],
                                                                      _rows(reference_members, rows)[member])
                                                         for rows, outputs in _by_batching(per_variant)),
                                  "fused_max_diff": fused_diff({member: variant})}
            entry["int8"]["accepted"] = entry["int8"]["fused_max_diff"] <= int8_tolerance
            members[member] = entry
        fp32_diff = fused_diff({m: "fp32" for m in digests})
        accepted = sorted((m for m in members if members[m]["int8"]["accepted"]),
                          key=lambda m: members[m]["int8"]["fused_max_diff"])
        while accepted:  # each member alone passes; the combination must pass too
            int8_diff = fused_diff({m: "int8" if m in accepted else "fp32" for m in digests})
            if int8_diff <= int8_tolerance:
                break
            members[accepted.pop()]["int8"]["accepted"] = False
        else:
            int8_diff = None
    finally:
        classifier.use(*previous)
    plan = {"format": PLAN_FORMAT, "bundle": classifier.bundle_id, "members": members,
            "tolerances": {"fp32": FP32_TOLERANCE, "int8": int8_tolerance},
            "sample": {"texts": len(texts), "source": source, "batchings": list(GATE_BATCHINGS)},
            "fused_max_diff": {"onnx": fp32_diff, "onnx-int8": int8_diff},
            "fp32_ok": fp32_diff <= FP32_TOLERANCE, "seconds": round(time.perf_counter() - started, 2),
            "speed": {}}
    write_plan(folder, plan)
    return plan, folder


def _fused(classifier, per_member: dict) -> dict:
    from banglahate_gui.model.fused import fuse_members

    return fuse_members(per_member, classifier.manifest.fusion)


def read_plan(folder: Path, digests: dict[str, str]) -> dict | None:
    """The plan in `folder` if it is readable, of this format, made from exactly these weights, and every
    ONNX file it names still has its recorded SHA-256 (else None: everything is exported again)."""
    try:
        plan = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if plan.get("format") != PLAN_FORMAT or \
                {m: e["weights_sha256"] for m, e in plan["members"].items()} != digests:
            return None
        for entry in plan["members"].values():
            for variant in ("fp32", "int8"):
                if sha256_file(folder / entry[variant]["file"]) != entry[variant]["sha256"]:
                    return None
    except (AttributeError, KeyError, TypeError, OSError):
        return None
    return plan


def write_plan(folder: Path, plan: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{PLAN_FILE}.{os.getpid()}.part"
    partial.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, folder / PLAN_FILE)


def measure(classifier, plan: dict, folder: Path, texts: list[str] | None = None, rounds: int = 3) -> dict:
    """Texts/s of each usable path at the current thread count (rounds interleaved, best round each),
    the choice (an ONNX path only when ≥ 5 % faster than PyTorch), remembered in `plan.json`."""
    texts = texts if texts is not None else validation_texts(classifier, SPEED_TEXTS)
    threads = _threads()
    paths = {"torch": {}}
    if plan["fp32_ok"]:
        paths["onnx"] = open_sessions(classifier, plan, folder, "fp32", threads)
        if any(e["int8"]["accepted"] for e in plan["members"].values()):
            paths["onnx-int8"] = open_sessions(classifier, plan, folder, "int8", threads)
    best = {name: float("inf") for name in paths}
    previous = classifier.inference, classifier.runtimes
    try:
        for name, runtimes in paths.items():  # warm-up
            classifier.use(name, runtimes)
            classifier.predict_proba(texts[:32])
        for _ in range(rounds):
            for name, runtimes in paths.items():
                classifier.use(name, runtimes)
                started = time.perf_counter()
                classifier.predict_proba(texts)
                best[name] = min(best[name], time.perf_counter() - started)
    finally:
        classifier.use(*previous)
    rates = {name: round(len(texts) / seconds, 1) for name, seconds in best.items()}
    fastest = max(rates, key=rates.get)
    choice = fastest if rates[fastest] >= 1.05 * rates["torch"] else "torch"
    entry = {"texts_per_second": rates, "choice": choice, "cpu": platform.processor() or platform.machine(),
             "onnxruntime": _ort_version()}
    plan.setdefault("speed", {})[str(threads)] = entry
    write_plan(folder, plan)
    return entry


def configure(classifier, root: Path, inference: str | None = None, cache_dir: Path | None = None) -> str:
    """Put `classifier` on the requested inference path and return the one used.

    "auto" picks the fastest path measured on this machine (exporting and measuring on first use) and
    falls back to PyTorch when onnxruntime is missing or the export fails; a CUDA device, or a bundle
    without encoders, always uses PyTorch. An explicit "onnx"/"onnx-int8" that cannot be honoured on the
    CPU is an `OnnxUnavailable` error."""
    asked = requested_inference(inference)
    if asked == "torch" or classifier.device.type != "cpu" or not classifier.branches:
        classifier.use("torch", {})
        return "torch"
    try:
        plan, folder = prepare(classifier, root, cache_dir=cache_dir)
        path = asked
        if asked == "auto":
            path = (plan["speed"].get(str(_threads())) or measure(classifier, plan, folder))["choice"]
            if path == "torch":
                classifier.use("torch", {})
                return "torch"
        if not plan["fp32_ok"]:
            raise OnnxUnavailable(f"the ONNX export of {classifier.bundle_id} differs from PyTorch by "
                                  f"{plan['fused_max_diff']['onnx']:.2g} (> {FP32_TOLERANCE}); not used")
        classifier.use(path, open_sessions(classifier, plan, folder, "int8" if path == "onnx-int8" else "fp32",
                                       _threads()))
        return path
    except Exception as exc:  # noqa: BLE001 - auto never fails a load: PyTorch always works
        if asked != "auto":
            raise OnnxUnavailable(f"{asked} inference is not available: {exc}") from exc
        log.warning("ONNX inference not used (%s); using PyTorch", exc)
        classifier.use("torch", {})
        return "torch"


def ensure_plan(root: Path, threads: int) -> None:
    """Export, gate and (for "auto") time a bundle at `threads` threads now, once, so that worker processes
    started next find the plan instead of each measuring it. Does nothing on the "torch" path; in "auto",
    a failure is left for each worker's `configure` to fall back from."""
    import torch

    from banglahate_gui.model.fused import load_bundle

    asked = requested_inference()
    if asked == "torch" or not onnx_available():
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        classifier = load_bundle(root, device="cpu", inference="torch")
        plan, folder = prepare(classifier, root)
        if asked == "auto" and str(threads) not in plan["speed"]:
            measure(classifier, plan, folder)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        if asked != "auto":
            raise OnnxUnavailable(f"{asked} inference is not available: {exc}") from exc
        log.warning("ONNX inference not prepared (%s)", exc)
    finally:
        torch.set_num_threads(previous)


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def _ort_version() -> str:
    import onnxruntime

    return onnxruntime.__version__
