"""Where shipped resources (default model bundle, OCR recognizer) live: package data of `banglahate_gui`."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

RESOURCES_ENV = "BANGLAHATE_RESOURCES"
DEFAULT_BUNDLE_NAME = "banglahatenet-mini"


def resources_dir() -> Path:
    """`$BANGLAHATE_RESOURCES`, else the `resources/` package data installed with `banglahate_gui`."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    return Path(str(files("banglahate_gui") / "resources"))


def default_bundle_dir() -> Path:
    return resources_dir() / "models" / DEFAULT_BUNDLE_NAME


def default_recognizer_dir() -> Path:
    return resources_dir() / "ocr"
