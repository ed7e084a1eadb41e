"""Remembered analyses: answer from the `AnalysisCache` when the same content was analysed with the
same bundle and OCR settings, else analyse and remember. Engine code (no Qt), run in a worker.

Keys are (SHA-256 of the content, bundle id, OCR settings key), so a renamed file reuses its analysis,
an edited file or another bundle is analysed again, and a moderator's corrected text is remembered
(with the image's OCR reading kept) as that item's latest analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from banglahate_gui.hashing import sha256_file

TEXT_KEY = "text"
"""OCR key of pasted/typed text items (no OCR involved)."""


@dataclass(frozen=True)
class Request:
    """What to analyse: `mode` is `image` (read with OCR), `text` (a text item) or `edited`
    (the moderator's corrected text of an image, classified without new OCR; `ocr` is kept)."""

    source: Path | bytes | str
    name: str
    mode: str
    sha256: str | None = None
    text: str = ""
    ocr: object | None = None
    engine: str | None = None
    force: bool = False  # skip the remembered analysis (Re-analyze)


@dataclass(frozen=True)
class Outcome:
    analysis: object  # pipeline.Analysis
    sha256: str
    from_cache: bool


def image_key(ocr_key: str, engine: str | None) -> str:
    """Cache key of an image's analysis: the OCR settings' key, plus the engine when one is forced."""
    return f"{ocr_key}:{engine}" if engine else ocr_key


def analyse(moderator, request: Request, cache=None, ocr_key: str = "", progress=None) -> Outcome:
    """Remembered analysis of `request` if there is one (and not `force`), else a fresh one, remembered."""
    from banglahate_gui.pipeline import Analysis

    sha = request.sha256 or sha256_file(request.source)
    bundle = moderator.classifier.bundle_id
    key = TEXT_KEY if request.mode == "text" else image_key(ocr_key, request.engine)
    if cache is not None and not request.force and request.mode != "edited":
        stored = cache.get(sha, bundle, key)
        if stored is not None:
            return Outcome(Analysis.from_dict(stored), sha, True)
    if request.mode == "image":
        analysis = moderator.analyze_image(request.source, request.engine, progress)
    else:
        analysis = moderator.analyze_text(request.text, request.name)
        if request.mode == "edited":
            analysis = replace(analysis, ocr=request.ocr)  # the corrected text, the image's reading kept
    if cache is not None:
        cache.put(sha, bundle, key, analysis.to_dict())
    return Outcome(analysis, sha, False)


def triage_result_paths(result: str | Path) -> list[Path]:
    """The image paths of a `banglahate triage` result (.csv or .jsonl, column `path`), in its order
    (riskiest first); opened as a review queue, they are answered from the same analysis cache."""
    import csv
    import json

    result = Path(result)
    if result.suffix.lower() == ".jsonl":
        with open(result, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    elif result.suffix.lower() == ".csv":
        with open(result, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    else:
        raise ValueError(f"{result.name}: a triage result is a .csv or .jsonl file")
    if rows and "path" not in rows[0]:
        raise ValueError(f"{result.name}: no `path` column; is it a `banglahate triage` result?")
    base = result.parent
    return [p if p.is_absolute() else base / p for p in (Path(r["path"]) for r in rows if r.get("path"))]
