"""`banglahate`: a thin command-line shell over `pipeline.Moderator` (and the training side)."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from banglahate_gui import __version__
from banglahate_gui.defaults import DEFAULT_DEVICE, DEVICES, OCR_THRESHOLD, TEXT_SCOPE, TEXT_SCOPES, default_data_dir
from banglahate_gui.errors import BanglaHateError

ENGINE_CHOICES = ("auto", "easyocr", "tesseract")


def _text(s: str) -> str:
    """`s` as valid UTF-8 text: a byte smuggled in by surrogateescape (a non-UTF-8 file name) becomes
    the text \\xNN, any other lone surrogate \\uNNNN."""
    if not any("\ud800" <= ch <= "\udfff" for ch in s):
        return s
    return "".join(ch if not "\ud800" <= ch <= "\udfff" else
                   f"\\x{ord(ch) - 0xDC00:02x}" if "\udc80" <= ch <= "\udcff" else f"\\u{ord(ch):04x}" for ch in s)


def _clean(obj):
    if isinstance(obj, str):
        return _text(obj)
    if isinstance(obj, dict):
        return {_clean(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def dumps(obj: dict) -> str:
    """One JSON line, valid UTF-8; NaN or infinity is an error, never printed."""
    try:
        return json.dumps(_clean(obj), ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise BanglaHateError(f"result holds NaN or infinite numbers ({exc}); the model bundle may be broken") from None


def _emit(obj: dict, as_json: bool, human: Callable[[dict], str]) -> None:
    print(dumps(obj) if as_json else _text(human(obj)), flush=True)


def _threshold(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number within 0..1, got {value!r}")
    return number


def _label_threshold(value: str) -> tuple[str, str, float]:
    """`TASK.LABEL=P` (a multi-label task's label and its threshold)."""
    name, sep, number = value.partition("=")
    task, dot, label = name.strip().partition(".")
    if not sep or not dot or not task or not label:
        raise argparse.ArgumentTypeError(f"expected TASK.LABEL=P (e.g. toxicity.hate=0.3), got {value!r}")
    return task, label, _threshold(number.strip())


def _thresholds(args: argparse.Namespace, tasks) -> dict[str, dict[str, float]] | None:
    """The `--label-threshold` values, checked against the bundle's multi-label tasks."""
    chosen: dict[str, dict[str, float]] = {}
    multi = {t.name: t for t in tasks if t.kind == "sigmoid"}
    for task, label, p in getattr(args, "label_threshold", None) or ():
        if task not in multi:
            raise BanglaHateError(f"--label-threshold {task}.{label}: {task!r} is not a multi-label task of this "
                                  f"bundle (multi-label: {', '.join(multi) or 'none'})")
        if label not in multi[task].labels:
            raise BanglaHateError(f"--label-threshold {task}.{label}: no label {label!r}; labels: "
                                  f"{', '.join(multi[task].labels)}")
        chosen.setdefault(task, {})[label] = p
    return chosen or None


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value!r}")
    return number


def _progress(items: list, label: str) -> Iterable:
    if len(items) < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="file", file=sys.stderr, leave=False)


def _ocr_config(args: argparse.Namespace):
    from banglahate_gui.ocr import OcrConfig

    return OcrConfig(threshold=args.threshold, recognizer_dir=getattr(args, "recognizer", None),
                     text_scope=getattr(args, "text_scope", TEXT_SCOPE))


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
            result = work(item).to_dict()
            _emit(result if "source" in result else {"source": str(item), **result}, as_json, human)
        except Exception as exc:  # noqa: BLE001 - one bad input never stops the others
            failures += 1
            if not isinstance(exc, (BanglaHateError, OSError, ValueError)):
                traceback.print_exc(file=sys.stderr)
                exc = f"internal error ({type(exc).__name__}: {exc})"
            if as_json:
                print(dumps({"source": str(item), "error": str(exc)}), flush=True)
            print(_text(f"error: {exc}"), file=sys.stderr)
    return 1 if failures else 0


def _human_ocr(d: dict) -> str:
    return f"[{d['engine']} {d['confidence']:.2f}] {d['gate_reason']}\n{d['text']}"


def _human_task(task: str, v: dict) -> str:
    from banglahate_gui.model.prediction import split_label

    probs = v["probabilities"]
    if v.get("kind") == "sigmoid":  # every label that passed, with its own probability
        passing = [lab for lab in split_label(v["label"]) if lab in probs]
        shown = passing or [max(probs, key=probs.get)]
        return f"{task} {v['label']} (" + ", ".join(f"{lab} {probs[lab]:.2f}" for lab in shown) + ")"
    return f"{task} {v['label']} {probs.get(v['label'], max(probs.values())):.2f}"


def _human_prediction(p: dict) -> str:
    if p.get("insufficient_text"):
        return "insufficient_text: nothing to judge (no word outside the stop list); no probabilities"
    return " | ".join(_human_task(task, v) for task, v in p["tasks"].items())


def _human_analysis(d: dict) -> str:
    head = d["source"]
    if d["ocr"]:
        head += f"  [OCR {d['ocr']['engine']} {d['ocr']['confidence']:.2f}]"
    note = "  (text truncated)" if d["truncated"] else ""
    out = f"{head}{note}\n  {_human_prediction(d['prediction'])}\n  text: {d['normalized_text']}"
    if d["ocr"] and d["text"] != d["ocr"]["text"]:
        from banglahate_gui.ocr.result import OcrResult

        left_out = OcrResult.from_dict(d["ocr"]).background_text.splitlines()
        if left_out:
            out += f"\n  background (not classified; --text-scope all adds it): {' | '.join(left_out)}"
    blocks = d.get("blocks") or []
    if blocks:  # a thread or chat screenshot: the riskiest message decided the prediction above
        out += f"\n  {len(blocks)} messages; the prediction is message {d['riskiest_block'] + 1}'s (the riskiest):"
        for i, block in enumerate(blocks):
            p = block["prediction"]["hate_probability"]
            risk = "insufficient text" if p is None else f"P(hate) {p:.3f}"
            out += f"\n    {'*' if i == d['riskiest_block'] else ' '}{i + 1}. {risk}  {' '.join(block['text'].split())}"
    return out


def cmd_ocr(args: argparse.Namespace) -> int:
    from banglahate_gui.ocr import OcrReader, expand_folders

    reader = OcrReader(_ocr_config(args))
    return _for_each(expand_folders(args.images), "OCR", lambda p: reader.read(Path(p), engine=_engine(args)), args.json, _human_ocr)


def cmd_classify(args: argparse.Namespace) -> int:
    from banglahate_gui.ocr import expand_folders

    moderator = _load(args)
    thresholds = _thresholds(args, moderator.classifier.tasks)
    if args.file:
        return _classify_file(moderator, args, thresholds)
    if args.text:
        return _for_each(args.text, "classify", lambda t: moderator.analyze_text(t, thresholds=thresholds),
                         args.json, _human_analysis)
    return _for_each(expand_folders(args.images), "classify",
                     lambda p: moderator.analyze_image(Path(p), _engine(args), thresholds=thresholds),
                     args.json, _human_analysis)


def _classify_file(moderator, args: argparse.Namespace, thresholds: dict | None = None) -> int:
    """`classify --file`: texts streamed from a file or stdin, classified in batches of 64, one result per
    input as it is ready; `--out` also writes them as CSV (every task of the bundle: its label, and one
    probability column per label — a multi-label task's label joins the passing ones with "+")."""
    import contextlib
    import csv
    from dataclasses import replace

    from banglahate_gui.triage import analyze_texts, csv_safe, flatten_prediction, prediction_columns, read_texts

    failures = 0
    with contextlib.ExitStack() as stack:
        writer = None
        if args.out:
            handle = stack.enter_context(open(args.out, "w", newline="", encoding="utf-8"))
            writer = csv.DictWriter(handle, ["source", "text", "normalized_text", "truncated",
                                             *prediction_columns(moderator.classifier.tasks), "bundle_id", "error"])
            writer.writeheader()
        for source, result in analyze_texts(moderator, read_texts(args.file, args.column)):
            if isinstance(result, Exception):
                failures += 1
                if args.json:
                    print(dumps({"source": source, "error": str(result)}), flush=True)
                print(f"error: {result}", file=sys.stderr)
                row = {"source": source, "error": str(result)}
            else:
                d = replace(result, prediction=result.prediction.with_thresholds(thresholds)).to_dict()
                _emit(d, args.json, _human_analysis)
                row = {**{k: d[k] for k in ("source", "text", "normalized_text", "truncated", "bundle_id")},
                       **flatten_prediction(d["prediction"])}
            if writer:
                writer.writerow(csv_safe(row))
    return 1 if failures else 0


def _key_value(value: str) -> tuple[str, str]:
    """`KEY=VALUE` of a triage filter (`TASK.LABEL=P` or `TASK=LABEL`)."""
    key, sep, rest = value.partition("=")
    if not sep or not key.strip() or not rest.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    return key.strip(), rest.strip()


def _min_probability(value: str) -> tuple[str, float]:
    """`TASK[.LABEL]=P` of `triage --min`."""
    key, number = _key_value(value)
    return key, _threshold(number)


def cmd_triage(args: argparse.Namespace) -> int:
    from banglahate_gui.model.bundle import read_manifest
    from banglahate_gui.resources import default_bundle_dir
    from banglahate_gui.triage import columns, triage

    tasks = read_manifest(args.bundle or default_bundle_dir()).tasks
    result = triage(args.paths, args.out, bundle=args.bundle, device=args.device, ocr=_ocr_config(args),
                    workers=args.workers, cache=args.cache, progress=not args.quiet, engine=args.engine,
                    address=args.address, shards=args.shards, sort_by=args.sort_by,
                    min_probability=dict(args.min or ()), labels=dict(args.label or ()),
                    thresholds=_thresholds(args, tasks))
    if args.json:
        names = columns(result.rows)
        for row in result.rows:
            print(dumps({name: row.get(name) for name in names}))
    print(_text(result.summary()), file=sys.stderr if args.json else sys.stdout, flush=True)
    return 1 if result.failures else 0


def cmd_explain(args: argparse.Namespace) -> int:
    from banglahate_gui.explain import format_terminal

    moderator = _load(args)
    known = [t.name for t in moderator.classifier.tasks]
    unknown = [t for t in args.task or () if t not in known]
    if unknown:
        raise BanglaHateError(f"--task {', '.join(unknown)}: not a task of this bundle; its tasks: {', '.join(known)}")
    text = args.text if args.text is not None else \
        moderator.read(Path(args.image), _engine(args)).classified_text(args.text_scope)
    explanation = moderator.explain(text, tasks=args.task, num_samples=args.samples, seed=args.seed)
    if args.json:
        print(dumps(explanation.to_dict()))
    else:
        color = sys.stdout.isatty() and not args.no_color
        blocks = [format_terminal(explanation, name, color=color, label=label) for name in explanation.tasks
                  for label in (explanation.labels.get(name) or [None])]
        print("\n\n".join(blocks))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    info = _load(args).info()
    if args.json:
        print(dumps(info))
        return 0
    b, ocr = info["bundle"], info["ocr"]
    print(f"banglahate_gui {info['banglahate_gui']}  python {info['python']}  torch {info['torch']}  "
          f"transformers {info['transformers']}")
    print(f"device: {info['device']} (CUDA available: {info['cuda_available']}); encoders on {info['inference']}")
    print(f"bundle: {b['id']} at {b['path']}  (max length {b['max_length']})")
    for task, weights in b["fusion_weight"].items():
        print(f"  fusion {task}: " + ", ".join(f"{m} {w:.2f}" for m, w in weights.items()))
    for name in ("easyocr", "tesseract"):
        e = ocr[name]
        state = f"version {e.get('version')}" if e["available"] else f"UNAVAILABLE: {e.get('error')}"
        if name == "easyocr":
            state += f"; recognizer {e['recognizer']} ({e['recognizer_dir'] or e['model_dir']})"
        print(f"ocr {name}: {state}")
    print(f"ocr gate threshold: {ocr['threshold']}")
    print(f"data licences of the models (full notice: {info['licences']['notice_file']}):")
    for line in info["licences"]["summary"].splitlines():
        print(_text(f"  {line}"))
    print(_text(info["licences"]["guidance"]))
    return 0


def cmd_trust_recognizer(args: argparse.Namespace) -> int:
    from banglahate_gui.ocr import trust

    hashes = trust.read_recognizer(args.folder).hashes
    if trust.is_trusted(hashes):
        print(f"recognizer {hashes.name} in {args.folder} is already trusted")
        return 0
    print(f"recognizer {hashes.name} in {args.folder}")
    for filename, digest in hashes.files():
        print(f"  {filename:<32} SHA-256 {digest}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise BanglaHateError("not confirmed: answer in a terminal, or pass --yes")
        if input("EasyOCR will load these weights. Trust them? [y/N] ").strip().lower() not in ("y", "yes"):
            print("not trusted")
            return 1
    trust.trust_recognizer(args.folder, hashes.name, expected=hashes)
    print(f"trusted: added to {trust.allowlist_path()}")
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
    members = tuple(m.strip() for m in args.members.split(",") if m.strip())
    train_bundle(args.preset, args.data_dir, args.out, work_dir=args.work_dir, seed=args.seed, device=args.device,
                 xlmr=args.xlmr, muril=args.muril, epochs=args.epochs, limit=args.limit,
                 encoders_from=args.encoders_from, members=members)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from banglahate_gui.train.evaluate import evaluate

    report = evaluate(args.bundle, args.data_dir, args.out, device=args.device, limit=args.limit,
                      ocr_readings=args.ocr_readings, inference=args.inference)
    print(report.markdown())
    if args.card:
        from banglahate_gui.model.bundle import read_manifest
        from banglahate_gui.resources import default_bundle_dir
        from banglahate_gui.train.card import write_model_card

        bundle = args.bundle or default_bundle_dir()
        print(f"model card written to {write_model_card(bundle, read_manifest(bundle), report.markdown())}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from banglahate_gui.model.onnx import INFERENCE_CHOICES

    parser = argparse.ArgumentParser(prog="banglahate", description="Bangla hate-speech moderation: OCR + classifier.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--bundle", type=Path, default=None, help="model bundle folder (default: the shipped model)")
        p.add_argument("--device", default=DEFAULT_DEVICE, choices=DEVICES)
        p.add_argument("--inference", choices=INFERENCE_CHOICES, default=None,
                       help="encoder runtime on the CPU (default: $BANGLAHATE_INFERENCE, else auto = the fastest "
                            "measured here; CUDA always uses PyTorch)")

    def text_scope_opt(p: argparse.ArgumentParser) -> None:
        p.add_argument("--text-scope", choices=TEXT_SCOPES, default=TEXT_SCOPE,
                       help="which lines of an image are classified: caption (the caption lines; every line when "
                            "none is marked caption) or all (background lines too); default: %(default)s")

    def ocr_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--engine", default="auto", choices=ENGINE_CHOICES, help="auto = EasyOCR with Tesseract fallback")
        p.add_argument("--threshold", type=_threshold, default=OCR_THRESHOLD, help="EasyOCR confidence below which Tesseract runs")
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
    src.add_argument("--file", help="texts to classify in batches: .txt (one per line), .csv or .jsonl "
                                    "(field --column), or - for standard input (one per line)")
    src.add_argument("images", nargs="*", default=[], help="image files or folders of images")
    p.add_argument("--column", default="text", help="CSV column / JSONL field holding the text (with --file)")
    p.add_argument("--out", type=Path, help="with --file: also write the results as CSV")
    p.add_argument("--label-threshold", action="append", type=_label_threshold, metavar="TASK.LABEL=P",
                   help="threshold of one label of a multi-label task, e.g. toxicity.hate=0.3 (repeatable; "
                        "default: the bundle's decision, 0.5)")
    model_opts(p), ocr_opts(p), text_scope_opt(p), json_opt(p)
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("triage", help="every image under folders -> one row per file, sorted by risk (resumable)")
    p.add_argument("paths", nargs="+", help="folders (searched recursively) and image files")
    p.add_argument("--out", type=Path, help="results file: .csv, .jsonl or .parquet")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="worker processes (default: CPU cores; 1 with CUDA)")
    p.add_argument("--cache", type=Path, default=None,
                   help="analysis cache file (default: ~/.cache/banglahate/analyses.sqlite or $BANGLAHATE_CACHE_DIR)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: a process pool here; ray: Ray Data actors (needs the [ray] extra)")
    p.add_argument("--address", default=None,
                   help="with --engine ray: the Ray cluster to join (e.g. auto, ray://head:10001); default: a "
                        "private local Ray")
    p.add_argument("--shards", type=Path, default=None,
                   help="with --engine ray: folder for the Parquet shards (default: OUT.shards beside --out)")
    p.add_argument("--sort-by", default="binary.hate", metavar="TASK[.LABEL]",
                   help="the 'risk' column rows are sorted by: a label's probability (e.g. violence.direct), or a "
                        "task: P(not its first label), a multi-label task's highest label (default: binary.hate)")
    p.add_argument("--min", action="append", type=_min_probability, metavar="TASK[.LABEL]=P",
                   help="keep rows whose probability (as --sort-by) reaches P, e.g. toxicity.threat=0.5 (repeatable; "
                        "error rows are always kept)")
    p.add_argument("--label", action="append", type=_key_value, metavar="TASK=LABEL",
                   help="keep rows with this label (a multi-label task: among its passing labels), e.g. "
                        "violence=direct (repeatable)")
    p.add_argument("--label-threshold", action="append", type=_label_threshold, metavar="TASK.LABEL=P",
                   help="threshold of one label of a multi-label task, e.g. toxicity.hate=0.3 (repeatable)")
    p.add_argument("--threshold", type=_threshold, default=OCR_THRESHOLD, help="EasyOCR confidence below which Tesseract runs")
    p.add_argument("--recognizer", help="EasyOCR recognizer folder, or 'builtin' (default: the shipped one)")
    text_scope_opt(p), model_opts(p), json_opt(p)
    p.set_defaults(func=cmd_triage)

    p = sub.add_parser("explain", help="LIME word weights for each task")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text")
    src.add_argument("image", nargs="?")
    p.add_argument("--task", action="append",
                   help="task to explain (repeatable; default every task of the bundle, e.g. binary, violence, "
                        "toxicity: a multi-label task is explained label by label)")
    p.add_argument("--samples", type=_positive_int, default=None, help="LIME perturbation samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-color", action="store_true")
    model_opts(p), ocr_opts(p), text_scope_opt(p), json_opt(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("info", help="versions, device, bundle, OCR engines")
    model_opts(p), json_opt(p)
    p.add_argument("--threshold", type=_threshold, default=OCR_THRESHOLD)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("trust-recognizer", help="check an EasyOCR recognizer folder and trust its weights")
    p.add_argument("folder", type=Path, help="folder with NAME.yaml and NAME.pth")
    p.add_argument("--yes", action="store_true", help="trust without asking (you checked the hashes shown)")
    p.set_defaults(func=cmd_trust_recognizer)

    p = sub.add_parser("data", help="build the training corpus and its dataset card")
    p.add_argument("--data-dir", type=Path, default=default_data_dir())
    p.add_argument("--out", type=Path, default=Path("runs/corpus"))
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("train", help="train a bundle (preset mini: the embedded default, on CPU)")
    p.add_argument("--preset", default="mini", choices=("mini", "base", "tiny"))
    p.add_argument("--data-dir", type=Path, default=default_data_dir())
    p.add_argument("--out", type=Path, default=Path("banglahate_gui/resources/models/banglahatenet-mini"))
    p.add_argument("--work-dir", type=Path, default=None, help="checkpoints and reports (default: OUT.work)")
    p.add_argument("--xlmr", help="XLM-R family encoder: Hugging Face id or local folder (preset base)")
    p.add_argument("--muril", help="MuRIL/BERT family encoder: Hugging Face id or local folder (preset base)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--encoders-from", type=Path, default=None,
                   help="reuse the two encoders of this bundle (skips tokenizers, MLM and fine-tuning)")
    p.add_argument("--members", default="xlmr,muril,lexical",
                   help="fusion members, comma-separated (xlmr,muril = the paper's two-encoder setup)")
    p.add_argument("--limit", type=int, help="rows per source file (quick runs)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0 = torch's default)")
    p.add_argument("--device", default=DEFAULT_DEVICE, choices=DEVICES)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="test-split report: each member, each pair, the fusion, TF-IDF, slices, ECE")
    p.add_argument("--bundle", type=Path, default=None)
    p.add_argument("--data-dir", type=Path, default=default_data_dir())
    p.add_argument("--out", type=Path, default=Path("runs/evaluation"))
    p.add_argument("--limit", type=int, help="rows per source file: only for bundles trained with the same --limit")
    p.add_argument("--device", default=DEFAULT_DEVICE, choices=DEVICES)
    p.add_argument("--ocr-readings", type=Path, default=None,
                   help="JSONL of OCR'd test meme captions (python -m banglahate_gui.train.ocr_noise read-captions)")
    p.add_argument("--card", action="store_true", help="also regenerate the bundle's MODEL_CARD.md from the report")
    p.add_argument("--inference", choices=INFERENCE_CHOICES, default="torch",
                   help="encoder runtime for the scores (default: %(default)s, the reference; auto would depend on "
                        "what was fastest on this machine)")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 ok, 1 some inputs failed, 2 a fatal error, 3 a crash (a bug), 130 interrupted.
    With --json a fatal error or crash still prints one JSON line ({"error": ..., "fatal": true})."""
    args = build_parser().parse_args(argv)
    if getattr(args, "inference", None):  # read by every model load, triage workers and Ray actors included
        from banglahate_gui.model.onnx import INFERENCE_ENV

        os.environ[INFERENCE_ENV] = args.inference
    if getattr(args, "command", None) == "classify" and not (args.text or args.images or args.file):
        build_parser().error("classify needs --text, --file or at least one IMAGE")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the JSON contract holds even for a crash
        crash = not isinstance(exc, BanglaHateError)
        message = f"internal error ({type(exc).__name__}: {exc})" if crash else str(exc)
        if crash:
            traceback.print_exc(file=sys.stderr)
        if getattr(args, "json", False):
            print(dumps({"error": message, "fatal": True}), flush=True)
        print(_text(f"error: {message}"), file=sys.stderr)
        return 3 if crash else 2


if __name__ == "__main__":
    raise SystemExit(main())
