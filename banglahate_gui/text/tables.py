"""Character tables for Bangla canonicalization."""

from __future__ import annotations

NUKTA = "\u09bc"
VIRAMA = "\u09cd"
ZWNJ, ZWJ = "\u200c", "\u200d"
KHANDA_TA = "\u09ce"
TA = "\u09a4"

# Code points removed outright: zero-width and format characters that only change rendering.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200e\u200f\u2060\ufeff\u00ad"), None)

# Bengali digits to ASCII, Assamese ra/wa to the Bengali letters users mean.
CHAR_MAP = {ord(b): str(i) for i, b in enumerate("০১২৩৪৫৬৭৮৯")}
CHAR_MAP.update({ord("\u09f0"): "\u09b0", ord("\u09f1"): "\u09ac"})
CHAR_MAP.update(INVISIBLE)

# Placeholder tokens that stand in for content whose exact value carries no hate signal.
URL_TOKEN = "<url>"
USER_TOKEN = "<user>"
NUM_TOKEN = "<num>"

ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
