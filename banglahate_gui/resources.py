"""Where shipped resources (default model bundle, OCR recognizer) live."""

from __future__ import annotations

import os
from pathlib import Path

RESOURCES_ENV = "BANGLAHATE_RESOURCES"
DEFAULT_BUNDLE_NAME = "banglahatenet-mini"


def resources_dir() -> Path:
    """The `resources/` folder: `$BANGLAHATE_RESOURCES` or the one beside the package."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"


def default_bundle_dir() -> Path:
    return resources_dir() / "models" / DEFAULT_BUNDLE_NAME


def default_recognizer_dir() -> Path:
    return resources_dir() / "ocr"
