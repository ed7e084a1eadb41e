"""What the window tells the moderator: error lines, and opening the log and the cache with a
message instead of a traceback."""

from __future__ import annotations

from banglahate_gui.errors import BundleError, EmptyTextError, ImageError, OcrUnavailableError
from banglahate_gui.review.session import open_log


def describe_error(exc: BaseException, name: str = "") -> str:
    """One line for the banner: what went wrong and what to do."""
    where = f"{name}: " if name else ""
    if isinstance(exc, BundleError):
        return (f"Model not loaded — {exc}. "
                "Open Settings ▸ Model bundle folder and pick a bundle (a folder with bundle.json).")
    if isinstance(exc, EmptyTextError):
        return f"{where}no text found. Type or correct the text in the text box and press Re-analyze."
    if isinstance(exc, ImageError):
        return f"{where}{exc}"
    if isinstance(exc, OcrUnavailableError):
        return f"{where}{exc} Choose the other engine in the OCR engine box."
    if isinstance(exc, (NotImplementedError, ImportError)):
        return f"{where}this feature is not available in this build ({exc})."
    return f"{where}unexpected {type(exc).__name__}: {exc}"


def open_review_log(path: str, banner, open_settings):
    """The review log at `path` (None if it cannot be opened); problems go to the banner."""
    log, message = open_log(path)
    if message:
        banner.show_message(message, "error", ("Settings…", open_settings))
    return log


def open_cache(settings, banner):
    """The analysis cache of `settings` (None, with a banner line, if it cannot be opened)."""
    from banglahate_gui.cache import AnalysisCache

    try:
        return AnalysisCache(settings.analysis_cache or None)
    except Exception as exc:  # noqa: BLE001 - without a cache every item is simply analysed
        banner.show_message(f"Cannot open the analysis cache ({exc}); every item will be analysed again.", "warning")
        return None
