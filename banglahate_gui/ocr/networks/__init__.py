"""Recognizer network definitions owned by the project: EasyOCR imports these, never a `.py` from a weights folder."""
