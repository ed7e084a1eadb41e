"""`Moderator`: the one façade over OCR → normalize → fused classifier → explanations.

The GUI, the CLI and batch jobs call only this module. Every result is a dataclass with `to_dict()`.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from banglahate_gui import __version__
from banglahate_gui.errors import EmptyTextError
from banglahate_gui.model import FusedClassifier, Prediction, load_bundle
from banglahate_gui.model.prediction import LabelThresholds
from banglahate_gui.ocr import OcrConfig, OcrReader, OcrResult
from banglahate_gui.ocr.image import IMAGE_SUFFIXES
from banglahate_gui.resources import data_licences, default_bundle_dir
from banglahate_gui.text import NormalizedText, normalize_with_info

ImageSource = Path | bytes | Image.Image


@dataclass(frozen=True)
class BlockAnalysis:
    """One message of a multi-message screenshot: its text, its lines (indices into `OcrResult.lines`)
    and its prediction."""

    text: str
    lines: tuple[int, ...]
    prediction: Prediction

    def to_dict(self) -> dict:
        return {"text": self.text, "lines": list(self.lines), "prediction": self.prediction.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> BlockAnalysis:
        return cls(data["text"], tuple(int(i) for i in data["lines"]), Prediction.from_dict(data["prediction"]))


@dataclass(frozen=True)
class Analysis:
    """One analysed input: where it came from, the text classified, and the prediction. For an image,
    `text` is what its `OcrConfig.text_scope` selects (by default the caption lines); `ocr` keeps every line.

    A screenshot of several messages (a thread, a chat) has `blocks`, one per message; its `prediction`
    is then the riskiest block's (`riskiest_block`) and `text_prediction` the whole text's. Otherwise
    `blocks` is empty and `prediction` is the whole text's."""

    source: str
    text: str
    normalized_text: str
    truncated: bool
    prediction: Prediction
    bundle_id: str
    ocr: OcrResult | None = None
    blocks: tuple[BlockAnalysis, ...] = ()
    text_prediction: Prediction | None = None

    @property
    def riskiest_block(self) -> int | None:
        """The index of the block whose prediction is the item's (None without blocks)."""
        return riskiest([block.prediction for block in self.blocks]) if self.blocks else None

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "text": self.text,
            "normalized_text": self.normalized_text,
            "truncated": self.truncated,
            "prediction": self.prediction.to_dict(),
            "bundle_id": self.bundle_id,
            "ocr": self.ocr.to_dict() if self.ocr else None,
            "blocks": [block.to_dict() for block in self.blocks],
            "riskiest_block": self.riskiest_block,
            "text_prediction": self.text_prediction.to_dict() if self.text_prediction else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        """Restore an analysis from its `to_dict()` (e.g. out of the analysis cache; one written before
        blocks existed has none)."""
        return cls(
            source=data["source"],
            text=data["text"],
            normalized_text=data["normalized_text"],
            truncated=bool(data["truncated"]),
            prediction=Prediction.from_dict(data["prediction"]),
            bundle_id=data["bundle_id"],
            ocr=OcrResult.from_dict(data["ocr"]) if data.get("ocr") else None,
            blocks=tuple(BlockAnalysis.from_dict(b) for b in data.get("blocks") or ()),
            text_prediction=Prediction.from_dict(data["text_prediction"]) if data.get("text_prediction") else None,
        )


def riskiest(predictions: list[Prediction]) -> int:
    """The index of the highest P(hate) (the first on ties; insufficient text counts as lowest)."""
    return max(range(len(predictions)), key=lambda i: (predictions[i].hate_probability is not None,
                                                        predictions[i].hate_probability or 0.0, -i))


def image_texts(result: OcrResult, scope: str) -> list[str]:
    """What an image's analysis classifies under `scope` (`OcrConfig.text_scope`): its text, then each
    block's when there are two or more."""
    blocks = result.blocks
    return [result.classified_text(scope)] + (
        [result.block_text(block, scope) for block in blocks] if len(blocks) > 1 else [])


def image_analysis(name: str, result: OcrResult, texts: list[str], normalized: list[NormalizedText],
                   predictions: list[Prediction], bundle_id: str) -> Analysis:
    """The `Analysis` of an image from its `image_texts`, normalized and classified in that order."""
    whole, blocks = predictions[0], predictions[1:]
    analysis = Analysis(name, texts[0], normalized[0].text, normalized[0].truncated, whole, bundle_id, result)
    if not blocks:
        return analysis
    parts = tuple(BlockAnalysis(text, tuple(lines), prediction)
                  for text, lines, prediction in zip(texts[1:], result.blocks, blocks))
    return replace(analysis, prediction=blocks[riskiest(blocks)], blocks=parts, text_prediction=whole)


def _normalized(text: str, source: str) -> NormalizedText:
    """`text` normalized; `EmptyTextError` when nothing is left to classify."""
    normalized = normalize_with_info(text)
    if not normalized.text:
        raise EmptyTextError(f"{source}: there is no text to classify; type or correct the text and analyze again")
    return normalized


def _names_image_file(text: str) -> bool:
    try:
        return Path(text).suffix.lower() in IMAGE_SUFFIXES and Path(text).is_file()
    except (OSError, ValueError):  # not a usable path (too long, NUL byte): it is text
        return False


class Moderator:
    """Reads images, classifies texts and explains predictions with one loaded bundle."""

    def __init__(self, classifier: FusedClassifier, ocr: OcrReader, bundle_path: Path):
        self.classifier = classifier
        self.ocr = ocr
        self.bundle_path = bundle_path
        self.device = classifier.device

    @classmethod
    def load(cls, bundle: str | Path | None = None, device: str = "auto", ocr: OcrConfig | None = None) -> Moderator:
        """Load a bundle (None = the shipped default) on `device`; OCR engines load lazily on first use."""
        path = Path(bundle) if bundle is not None else default_bundle_dir()
        return cls(load_bundle(path, device), OcrReader(ocr), path)

    def read(self, image: str | ImageSource, engine: str | None = None,
             progress: Callable[[str], None] | None = None) -> OcrResult:
        """OCR one image through the EasyOCR → Tesseract gate (or a forced engine)."""
        return self.ocr.read(image, engine=engine, progress=progress)

    def classify(self, texts: list[str], batch_size: int = 64,
                 thresholds: LabelThresholds | None = None) -> list[Prediction]:
        """Normalize and classify raw texts in batches; `thresholds` (task → label → p) decide the labels
        of multi-label tasks (labels not given keep the bundle's decision)."""
        return [p.with_thresholds(thresholds) for p in self.classifier.predict(list(texts), batch_size)]

    def analyze(self, source: str | ImageSource, engine: str | None = None,
                progress: Callable[[str], None] | None = None, thresholds: LabelThresholds | None = None) -> Analysis:
        """A `str` is text to classify; a `Path`, bytes or PIL image is read with OCR first.

        A `str` that names an existing image file is refused (TypeError): pass `Path(...)` to read
        the image, or call `analyze_text` to classify the string itself."""
        if isinstance(source, str):
            if _names_image_file(source):
                raise TypeError(f"analyze({source!r}): a str is classified as text, but it names an image file; "
                                f"pass Path({source!r}) to read the image, or use analyze_text() for the string")
            return self.analyze_text(source, thresholds=thresholds)
        return self.analyze_image(source, engine, progress, thresholds)

    def analyze_text(self, text: str, source: str = "text", ocr: OcrResult | None = None,
                     thresholds: LabelThresholds | None = None) -> Analysis:
        """Classify one text. Empty text is an `EmptyTextError`; text with nothing to judge (emoji, digits,
        stop words only) gives a prediction with `insufficient_text` set and no probabilities.
        `thresholds` decide multi-label tasks as in `classify`."""
        normalized = _normalized(text, source)
        prediction = self.classifier.predict_normalized([normalized.text])[0].with_thresholds(thresholds)
        return Analysis(source, text, normalized.text, normalized.truncated, prediction, self.classifier.bundle_id, ocr)

    def analyze_image(self, image: ImageSource | str, engine: str | None = None,
                      progress: Callable[[str], None] | None = None,
                      thresholds: LabelThresholds | None = None) -> Analysis:
        """Read an image and classify its text; a screenshot of several messages also classifies each
        message block (one batch) and takes the riskiest block's prediction (see `Analysis`)."""
        name = str(image) if isinstance(image, (str, Path)) else "pasted image"
        result = self.read(image, engine, progress)
        if not result.text.strip():
            raise EmptyTextError(f"{name}: OCR found no text ({result.gate_reason}); type the text to classify it")
        texts = image_texts(result, self.ocr.config.text_scope)
        normalized = [_normalized(texts[0], name)] + [normalize_with_info(text) for text in texts[1:]]
        predictions = self.classifier.predict_normalized([n.text for n in normalized])
        return image_analysis(name, result, texts, normalized, [p.with_thresholds(thresholds) for p in predictions],
                              self.classifier.bundle_id)

    def explain(self, text: str, tasks: list[str] | None = None, num_samples: int | None = None, seed: int = 0,
                progress: Callable[[int, int], None] | None = None, cancel: Callable[[], bool] | None = None):
        """LIME word weights for every requested task from one shared perturbation set."""
        from banglahate_gui.explain import explain

        return explain(self.classifier, text, tasks=tasks, num_samples=num_samples, seed=seed,
                       progress=progress, cancel=cancel)

    def info(self) -> dict:
        """Versions, device, bundle and OCR engines, for `banglahate info` and the GUI's About box."""
        import torch
        import transformers

        manifest = self.classifier.manifest
        return {
            "banglahate_gui": __version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "device": str(self.device),
            "inference": self.classifier.inference,
            "cuda_available": torch.cuda.is_available(),
            "bundle": {
                "path": str(self.bundle_path),
                "id": self.classifier.bundle_id,
                "fusion_weight": self.classifier.fusion_weight,
                "max_length": self.classifier.max_length,
                "tasks": {t.name: list(t.labels) for t in self.classifier.tasks},
                "task_kinds": {t.name: t.kind for t in self.classifier.tasks},
                "provenance": manifest.provenance,
            },
            "ocr": self.ocr.available_engines(),
            "licences": data_licences(Path(self.bundle_path)).to_dict(),
        }
