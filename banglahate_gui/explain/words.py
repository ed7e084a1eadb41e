"""Word splitting over the original (un-normalized) text, with character spans.

A word is a run of letters/digits in any script plus the whole Bengali block (U+0980–U+09FF), so
vowel signs, virama, nukta and khanda-ta stay inside their word (Python's ``\\w`` alone misses these
combining marks); ZWJ/ZWNJ inside a word are kept too. A run of emoji (with modifiers and joiners)
is a word of its own. Everything else — whitespace, danda ``।``/``॥``, ASCII punctuation, other
symbols — separates words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LETTER = r"\w\u0980-\u09ff"
_EMOJI = r"\u2600-\u27bf\U0001f000-\U0001faff"
_WORD = re.compile(
    rf"[{_LETTER}][{_LETTER}\u200c\u200d]*"  # a Bengali/Latin/other-script word
    rf"|[{_EMOJI}][{_EMOJI}\ufe0f\u200d]*"  # an emoji run (skin tones are in U+1F3FB–1F3FF)
)


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


def split_words(text: str) -> list[Word]:
    """The words of `text` in order; ``text[w.start:w.end] == w.text``."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def word_tokens(text: str) -> list[str]:
    """Just the word strings: the ``split_expression`` callable handed to LIME."""
    return [m.group() for m in _WORD.finditer(text)]
