"""OCR for memes and screenshots: safe image loading, EasyOCR + Tesseract behind a confidence gate."""

from banglahate_gui.ocr.config import OcrConfig
from banglahate_gui.ocr.image import expand_folders, load_image
from banglahate_gui.ocr.reader import OcrReader
from banglahate_gui.ocr.result import OcrResult, Reading, WordBox

__all__ = ["OcrConfig", "OcrReader", "OcrResult", "Reading", "WordBox", "expand_folders", "load_image"]
