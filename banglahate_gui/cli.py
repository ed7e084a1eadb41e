"""`banglahate`: a thin command-line shell over `pipeline.Moderator` (and the training side)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from banglahate_gui import __version__
from banglahate_gui.errors import BanglaHateError

DEFAULT_DATA_DIR = Path("../shared/data")
ENGINE_CHOICES = ("auto", "easyocr", "tesseract")


def _emit(obj: dict, as_json: bool, human: Callable[[dict], str]) -> None:
    print(json.dumps(obj, ensure_ascii=False) if as_json else human(obj), flush=True)


def _progress(items: list, label: str) -> Iterable:
    if len(items) < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="file", file=sys.stderr, leave=False)


def _ocr_config(args: argparse.Namespace):
    from banglahate_gui.ocr import OcrConfig

    return OcrConfig(threshold=args.threshold, recognizer_dir=getattr(args, "recognizer", None))


def _engine(args: argparse.Namespace) -> str | None:
    return None if args.engine == "auto" else args.engine


def _load(args: argparse.Namespace):
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(args.bundle, device=args.device, ocr=_ocr_config(args))


def _for_each(items: list, label: str, work: Callable, as_json: bool, human: Callable[[dict], str]) -> int:
    """Run `work` per item; a failing item prints one error line and the others still run."""
    failures = 0
    for item in _progress(items, label):
        try:
            _emit(work(item).to_dict(), as_json, human)
        except (BanglaHateError, OSError, ValueError) as exc:
            failures += 1
            if as_json:
                print(json.dumps({"source": str(item), "error": str(exc)}, ensure_ascii=False), flush=True)
            print(f"error: {exc}", file=sys.stderr)
    return 1 if failures else 0


def _human_ocr(d: dict) -> str:
    return f"[{d['engine']} {d['confidence']:.2f}] {d['gate_reason']}\n{d['text']}"


def _human_prediction(p: dict) -> str:
    parts = [f"{task} {v['label']} {v['probabilities'][v['label']]:.2f}" for task, v in p["tasks"].items()]
    return " | ".join(parts)


def _human_analysis(d: dict) -> str:
    head = d["source"]
    if d["ocr"]:
        head += f"  [OCR {d['ocr']['engine']} {d['ocr']['confidence']:.2f}]"
    note = "  (text truncated)" if d["truncated"] else ""
    return f"{head}{note}\n  {_human_prediction(d['prediction'])}\n  text: {d['normalized_text']}"


def cmd_ocr(args: argparse.Namespace) -> int:
    from banglahate_gui.ocr import OcrReader, expand_folders

    reader = OcrReader(_ocr_config(args))
    return _for_each(expand_folders(args.images), "OCR", lambda p: reader.read(Path(p), engine=_engine(args)), args.json, _human_ocr)


def cmd_classify(args: argparse.Namespace) -> int:
    from banglahate_gui.ocr import expand_folders

    moderator = _load(args)
    if args.text:
        return _for_each(args.text, "classify", moderator.analyze_text, args.json, _human_analysis)
    return _for_each(expand_folders(args.images), "classify", lambda p: moderator.analyze_image(Path(p), _engine(args)),
                     args.json, _human_analysis)


def cmd_explain(args: argparse.Namespace) -> int:
    from banglahate_gui.explain import format_terminal

    moderator = _load(args)
    text = args.text if args.text is not None else moderator.read(Path(args.image), _engine(args)).text
    explanation = moderator.explain(text, tasks=args.task, num_samples=args.samples, seed=args.seed)
    if args.json:
        print(json.dumps(explanation.to_dict(), ensure_ascii=False))
    else:
        color = sys.stdout.isatty() and not args.no_color
        print("\n\n".join(format_terminal(explanation, name, color=color) for name in explanation.tasks))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    info = _load(args).info()
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    b, ocr = info["bundle"], info["ocr"]
    print(f"banglahate_gui {info['banglahate_gui']}  python {info['python']}  torch {info['torch']}  "
          f"transformers {info['transformers']}")
    print(f"device: {info['device']} (CUDA available: {info['cuda_available']})")
    print(f"bundle: {b['id']} at {b['path']}  (fusion w = {b['fusion_weight']}, max length {b['max_length']})")
    for name in ("easyocr", "tesseract"):
        e = ocr[name]
        state = f"version {e.get('version')}" if e["available"] else f"UNAVAILABLE: {e.get('error')}"
        if name == "easyocr":
            state += f"; recognizer {e['recognizer']} ({e['recognizer_dir'] or e['model_dir']})"
        print(f"ocr {name}: {state}")
    print(f"ocr gate threshold: {ocr['threshold']}")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from banglahate_gui.data.corpus import main_build

    corpus = main_build(args.data_dir, args.out)
    print(f"corpus: {len(corpus.frame)} rows written to {args.out}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    from banglahate_gui.train.run import train_bundle

    if args.threads:
        torch.set_num_threads(args.threads)
    train_bundle(args.preset, args.data_dir, args.out, work_dir=args.work_dir, seed=args.seed, device=args.device,
                 xlmr=args.xlmr, muril=args.muril, epochs=args.epochs, limit=args.limit)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from banglahate_gui.train.evaluate import evaluate

    report = evaluate(args.bundle, args.data_dir, args.out, device=args.device, limit=args.limit)
    print(report.markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="banglahate", description="Bangla hate-speech moderation: OCR + classifier.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--bundle", type=Path, default=None, help="model bundle folder (default: the shipped model)")
        p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))

    def ocr_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--engine", default="auto", choices=ENGINE_CHOICES, help="auto = EasyOCR with Tesseract fallback")
        p.add_argument("--threshold", type=float, default=0.60, help="EasyOCR confidence below which Tesseract runs")
        p.add_argument("--recognizer", help="EasyOCR recognizer folder (NAME.yaml/.py/.pth), or 'builtin' "
                                            "(default: the shipped Bengali+Latin one)")

    def json_opt(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="one JSON object per input line")

    p = sub.add_parser("ocr", help="read the text in images")
    p.add_argument("images", nargs="+", help="image files or folders of images")
    ocr_opts(p), json_opt(p)
    p.set_defaults(func=cmd_ocr)

    p = sub.add_parser("classify", help="classify texts or the text in images")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", action="append", help="text to classify (repeatable)")
    src.add_argument("images", nargs="*", default=[], help="image files or folders of images")
    model_opts(p), ocr_opts(p), json_opt(p)
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("explain", help="LIME word weights for each task")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text")
    src.add_argument("image", nargs="?")
    p.add_argument("--task", action="append", choices=("binary", "type", "target", "severity"),
                   help="task to explain (repeatable; default all four)")
    p.add_argument("--samples", type=int, default=None, help="LIME perturbation samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-color", action="store_true")
    model_opts(p), ocr_opts(p), json_opt(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("info", help="versions, device, bundle, OCR engines")
    model_opts(p), json_opt(p)
    p.add_argument("--threshold", type=float, default=0.60)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("data", help="build the training corpus and its dataset card")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--out", type=Path, default=Path("runs/corpus"))
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("train", help="train a bundle (preset mini: the embedded default, on CPU)")
    p.add_argument("--preset", default="mini", choices=("mini", "base", "tiny"))
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--out", type=Path, default=Path("banglahate_gui/resources/models/banglahatenet-mini"))
    p.add_argument("--work-dir", type=Path, default=None, help="checkpoints and reports (default: OUT.work)")
    p.add_argument("--xlmr", help="XLM-R family encoder: Hugging Face id or local folder (preset base)")
    p.add_argument("--muril", help="MuRIL/BERT family encoder: Hugging Face id or local folder (preset base)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--limit", type=int, help="rows per source file (quick runs)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0 = torch's default)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="test-split report: per task, per encoder, fused, TF-IDF baseline")
    p.add_argument("--bundle", type=Path, default=None)
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    p.add_argument("--out", type=Path, default=Path("runs/evaluation"))
    p.add_argument("--limit", type=int, help="rows per source file: only for bundles trained with the same --limit")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "command", None) == "classify" and not (args.text or args.images):
        build_parser().error("classify needs --text or at least one IMAGE")
    try:
        return args.func(args)
    except BanglaHateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
