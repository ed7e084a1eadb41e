"""Which script a text is mostly written in: Bengali or Latin letters (Banglish, English)."""

from __future__ import annotations

import re

_BENGALI = re.compile(r"[\u0980-\u09ff]")
_LATIN = re.compile(r"[A-Za-z]")


def dominant_script(text: str) -> str:
    """"bengali" or "latin" (whichever has more letters; Bengali on ties), "" for text with neither."""
    bengali, latin = len(_BENGALI.findall(text)), len(_LATIN.findall(text))
    return "" if bengali + latin == 0 else "bengali" if bengali >= latin else "latin"
