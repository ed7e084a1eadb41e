"""Character tables for Bangla canonicalization."""

from __future__ import annotations

NUKTA = "\u09bc"
VIRAMA = "\u09cd"
ZWNJ, ZWJ = "\u200c", "\u200d"
KHANDA_TA = "\u09ce"
TA = "\u09a4"

# Unicode 16 `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt), which holds every `Bidi_Control`
# code point too: invisible characters that only change rendering (variation selectors, joiners,
# bidi overrides and isolates, tag characters, ...). tests/test_normalize.py checks the table against
# the `regex` module's Unicode data.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Hangul fillers render as blank glyphs (used as invisible "spaces"), the object replacement character
# stands for an embedded object: both become a space. ZWJ/ZWNJ are left to the Bangla joiner step.
BLANKS = "\u115f\u1160\u3164\uffa0\ufffc"
IGNORABLE = {c: None for lo, hi in DEFAULT_IGNORABLE for c in range(lo, hi + 1) if chr(c) not in (ZWJ, ZWNJ)}
IGNORABLE.update(dict.fromkeys(map(ord, BLANKS), " "))

# Bengali digits to ASCII, Assamese ra/wa to the Bengali letters users mean.
CHAR_MAP = {ord(b): str(i) for i, b in enumerate("০১২৩৪৫৬৭৮৯")}
CHAR_MAP.update({ord("\u09f0"): "\u09b0", ord("\u09f1"): "\u09ac"})

# Placeholder tokens that stand in for content whose exact value carries no hate signal.
URL_TOKEN = "<url>"
USER_TOKEN = "<user>"
NUM_TOKEN = "<num>"

ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
