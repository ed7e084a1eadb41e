"""Static int8 quantization of EasyOCR's CRAFT detector for ONNX Runtime (shipped in resources/detector).

The pinned detector is exported to ONNX (`ocr.craft_onnx.export`), then quantized (QDQ, per-channel int8
weights, uint8 activations) with activation ranges calibrated on seeded memes of every style
(calibration-split captions over Debian's photos and procedural textures, never the OCR benchmark's
test split), each prepared exactly as EasyOCR prepares a detection input at the gate's canvas. It is
written only when, on other seeded memes, at least `--min-agreement` of PyTorch's line boxes have an
int8 box with IoU >= `IOU`; the report (agreement, speed at 1 and 2 threads, hashes) goes beside it.

    python -m banglahate_gui.train.craft_int8 --out banglahate_gui/resources/detector
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from banglahate_gui.defaults import default_data_dir
from banglahate_gui.data.synth_memes import MEME_STYLES, photo_backgrounds
from banglahate_gui.hashing import sha256_file
from banglahate_gui.ocr import craft_onnx
from banglahate_gui.ocr.easyocr_engine import DETECT_OPTIONS, detect_boxes
from banglahate_gui.ocr.trust import DETECTOR_FILE, PINNED_FILES
from banglahate_gui.train.ocr_calibration import PHOTOS, make_meme, meme_captions

SEED = 700_000
EVAL_SEED = 710_000
IOU = 0.7


def detector_input(pixels: np.ndarray) -> np.ndarray:
    """The (1, 3, H, W) float32 batch EasyOCR's `detect` feeds CRAFT for `pixels` at `DETECT_OPTIONS`."""
    import cv2
    from easyocr.imgproc import normalizeMeanVariance, resize_aspect_ratio

    resized, _, _ = resize_aspect_ratio(pixels, DETECT_OPTIONS["canvas_size"], interpolation=cv2.INTER_LINEAR,
                                        mag_ratio=DETECT_OPTIONS["mag_ratio"])
    return np.transpose(normalizeMeanVariance(resized), (2, 0, 1))[None].astype(np.float32)


def quantize(source: Path, out: Path, batches: list[np.ndarray]) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            self.left = iter(batches)

        def get_next(self):
            batch = next(self.left, None)
            return None if batch is None else {"image": batch}

    with tempfile.TemporaryDirectory() as folder:
        prepared = Path(folder) / "craft.pre.onnx"
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        quantize_static(str(prepared), str(out), Batches(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True)


def iou(a, b) -> float:
    width = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def compare(reader, data: bytes, memes: list[np.ndarray]) -> dict:
    """Line-box agreement of the int8 detector with PyTorch's on `memes`, and seconds per meme of each."""
    import torch

    fast = copy.copy(reader)
    fast.detector = craft_onnx.OnnxCraft(data, torch.get_num_threads())
    matched = total = 0
    for pixels in memes:
        reference, found = ([box for box, _polygon in detect_boxes(which, pixels)] for which in (reader, fast))
        total += len(reference)
        matched += sum(any(iou(box, other) >= IOU for other in found) for box in reference)
    speed = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        fast.detector = craft_onnx.OnnxCraft(data, threads)
        for name, which in (("torch", reader), ("int8", fast)):
            detect_boxes(which, memes[0])
            started = time.perf_counter()
            for pixels in memes[:8]:
                detect_boxes(which, pixels)
            speed.setdefault(str(threads), {})[name] = round((time.perf_counter() - started) / len(memes[:8]), 3)
    return {"lines": total, "matched": matched, "agreement": round(matched / max(1, total), 4), "iou": IOU,
            "seconds_per_meme": speed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for craft_mlt_25k.int8.onnx and its report")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--photos", type=Path, default=PHOTOS, help="photo folder (apt install gnome-backgrounds)")
    parser.add_argument("--per-style", type=int, default=8, help="calibration memes per style")
    parser.add_argument("--eval-per-style", type=int, default=10, help="agreement memes per style")
    parser.add_argument("--min-agreement", type=float, default=0.95)
    args = parser.parse_args(argv)

    import torch

    from banglahate_gui.ocr import OcrReader

    torch.set_num_threads(2)
    reader = OcrReader().easyocr.reader()
    captions, photos = meme_captions(args.data_dir, "calibration"), photo_backgrounds(args.photos)

    def memes(seed: int, per_style: int) -> list[np.ndarray]:
        return [make_meme(captions, style, seed + 1000 * s + i, photos)[0]
                for s, style in enumerate(MEME_STYLES) for i in range(per_style)]

    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / craft_onnx.INT8_FILE
    with tempfile.TemporaryDirectory() as folder:
        fp32 = Path(folder) / "craft.onnx"
        craft_onnx.export(reader.detector, fp32)
        partial = Path(folder) / target.name
        quantize(fp32, partial, [detector_input(p) for p in memes(SEED, args.per_style)])
        data = partial.read_bytes()
    report = {"source": DETECTOR_FILE, "source_sha256": PINNED_FILES[DETECTOR_FILE],
              "calibration": {"memes": args.per_style * len(MEME_STYLES), "seed": SEED, "styles": list(MEME_STYLES),
                              "captions": "calibration split", "photos": f"{len(photos)} under {args.photos}"},
              "evaluation": {"memes": args.eval_per_style * len(MEME_STYLES), "seed": EVAL_SEED,
                             **compare(reader, data, memes(EVAL_SEED, args.eval_per_style))},
              "canvas": DETECT_OPTIONS}
    print(json.dumps(report["evaluation"]), flush=True)
    if report["evaluation"]["agreement"] < args.min_agreement:
        raise SystemExit(f"int8 detector agrees on {report['evaluation']['agreement']:.3f} of the lines "
                         f"(< {args.min_agreement}); not written")
    target.write_bytes(data)
    report["sha256"] = sha256_file(target)
    (args.out / craft_onnx.INT8_REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target} ({len(data) / 1e6:.1f} MB, SHA-256 {report['sha256']}); pin it in ocr/craft_onnx.py")


if __name__ == "__main__":
    main()
