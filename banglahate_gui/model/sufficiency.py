"""The "insufficient_text" rule: a text with no Bangla or Latin word outside the shipped stop list
(emoji only, digits, a lone "ok") has nothing to judge, so it gets no probabilities at all."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from banglahate_gui.text import normalize

INSUFFICIENT_TEXT = "insufficient_text"
STOPWORDS_FILE = "stopwords.txt"
_PLACEHOLDER = re.compile(r"<(?:num|url|user)>")
_WORD = re.compile(r"[\u0980-\u09ff]+|[a-z]+")
_BANGLA_LETTER = re.compile(r"[\u0985-\u09b9\u09ce\u09dc-\u09df\u09f0\u09f1]")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped Bangla / Banglish / English stop list, normalized like the texts it is compared with."""
    raw = resources.files("banglahate_gui.text").joinpath(STOPWORDS_FILE).read_text(encoding="utf-8")
    words = (line.split("#", 1)[0].strip() for line in raw.splitlines())
    return frozenset(normalize(w) for w in words if w)


def judgeable_words(normalized: str) -> list[str]:
    """Bangla words (with a letter) and Latin words of two or more letters that are not stop words."""
    text = _PLACEHOLDER.sub(" ", normalized.lower())
    stop = stopwords()
    return [w for w in _WORD.findall(text)
            if w not in stop and (_BANGLA_LETTER.search(w) if w[0] >= "\u0980" else len(w) >= 2)]


def has_judgeable_text(normalized: str) -> bool:
    """False for texts the classifier must not judge (see the module docstring)."""
    return bool(judgeable_words(normalized))
