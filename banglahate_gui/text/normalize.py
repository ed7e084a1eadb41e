"""One `normalize()` for training and inference.

Steps, in order: cut very long input; invisible characters out (every Unicode default-ignorable and
bidi-control code point but ZWJ/ZWNJ; blank fillers become spaces; a lone surrogate, which no
tokenizer can encode, becomes U+FFFD); Unicode NFC; Bengali canonical forms (nukta letters in their
NFC form, khanda-ta, stray ZWJ/ZWNJ, Assamese letters, Bengali digits); URL / @mention / number
placeholders; ASCII lower-casing (Banglish keeps its spelling otherwise); squeezing of runs of one
character; whitespace. The result is idempotent: ``normalize(normalize(x)) == normalize(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from banglahate_gui.text import tables as t

NORMALIZER_VERSION = "1"
MAX_CHARS = 5000
"""Upper bound on the length of a normalized text (far above the model's 128-token window)."""
_MAX_INPUT_CHARS = 4 * MAX_CHARS

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.]+\b", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_NUMBER = re.compile(r"(?<![^\W_])\d+(?:[.,:/]\d+)*(?![^\W_])")
_HASHTAG = re.compile(r"(?<![\w#])#+(?=\w)")
_KHANDA_TA = re.compile(t.TA + t.VIRAMA + t.ZWJ)
_JOINERS = re.compile(f"[{t.ZWJ}{t.ZWNJ}]")
_NUKTAS = re.compile(t.NUKTA + "{2,}")
_PIPE_DANDA = re.compile(r"(?<=[\u0980-\u09ff])\s*\|")
_RUN = re.compile(r"(.)\1{2,}", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class NormalizedText:
    text: str
    truncated: bool
    original_length: int


def normalize(text: str) -> str:
    """Canonical form of `text` for the classifier (see the module docstring)."""
    return normalize_with_info(text).text


def normalize_with_info(text: str) -> NormalizedText:
    """`normalize` that also says whether the input was cut to the length bound."""
    if not isinstance(text, str):
        raise TypeError(f"normalize expects str, got {type(text).__name__}")
    original_length = len(text)
    truncated = original_length > _MAX_INPUT_CHARS
    s = _canonical(text[:_MAX_INPUT_CHARS])
    while len(s) > MAX_CHARS:
        # A cut can free a digit, URL or mention at the new end: normalizing the cut text keeps the result
        # idempotent. It ends: placeholders hold none of those, so a cut inside one changes nothing more.
        truncated = True
        s = _canonical(s[:MAX_CHARS])
    return NormalizedText(s, truncated, original_length)


def _canonical(s: str) -> str:
    s = _SURROGATE.sub("\ufffd", s.translate(t.IGNORABLE))
    s = unicodedata.normalize("NFC", s)
    s = _KHANDA_TA.sub(t.KHANDA_TA, s)
    s = _JOINERS.sub("", s)
    s = s.translate(t.CHAR_MAP)
    s = _NUKTAS.sub(t.NUKTA, s)
    s = unicodedata.normalize("NFC", s)
    s = _CONTROL.sub(" ", s)
    s = _URL.sub(f" {t.URL_TOKEN} ", s)
    s = _MENTION.sub(f" {t.USER_TOKEN} ", s)
    s = _NUMBER.sub(f" {t.NUM_TOKEN} ", s)
    s = _HASHTAG.sub("", s)
    s = _PIPE_DANDA.sub("।", s)
    s = s.translate(t.ASCII_LOWER)
    s = _RUN.sub(r"\1\1", s)
    return _SPACE.sub(" ", s).strip()
