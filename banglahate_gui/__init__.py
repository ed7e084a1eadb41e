"""BanglaHate Moderator: OCR, normalization and multi-task hate-speech classification for Bangla."""

__version__ = "0.1.0"
