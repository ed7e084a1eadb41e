"""Typed errors with messages a moderator can act on. Every engine error derives from `BanglaHateError`."""

from __future__ import annotations


class BanglaHateError(Exception):
    """Base class: the message is one line that says what went wrong and what to do."""


class ImageError(BanglaHateError):
    """An image could not be used."""


class NotAnImageError(ImageError):
    pass


class EmptyImageError(ImageError):
    pass


class TruncatedImageError(ImageError):
    pass


class ImageTooLargeError(ImageError):
    pass


class OcrUnavailableError(BanglaHateError):
    """An OCR engine or its weights are missing."""


class EmptyTextError(BanglaHateError):
    """There is no text to classify (e.g. OCR found none)."""


class BundleError(BanglaHateError):
    """A model bundle folder is missing, partial or wrong."""
