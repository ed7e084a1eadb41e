"""normalize(): Bangla canonical forms, placeholders, Banglish untouched, and properties under hypothesis."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from banglahate_gui.text import MAX_CHARS, normalize, normalize_with_info

BENGALI = st.characters(min_codepoint=0x0980, max_codepoint=0x09FF)
MIXED = st.one_of(BENGALI, st.characters(codec="utf-8"), st.sampled_from(list(" \u200c\u200d\u09bc।|#@0১http://.")))


def test_nfc_and_nukta_forms_unify():
    precomposed = "\u09df"  # য় as one code point
    decomposed = "\u09af\u09bc"
    assert normalize(precomposed) == normalize(decomposed) == unicodedata.normalize("NFC", decomposed)
    assert normalize("\u09a1\u09bc\u09bc") == normalize("\u09dc")  # doubled nukta collapses


def test_khanda_ta_and_joiners():
    assert normalize("\u09a4\u09cd\u200dকাল") == "\u09ceকাল"
    assert normalize("ক\u200cষ\u200d") == "কষ"


def test_digits_placeholders_and_danda():
    assert normalize("দাম ১২৩ টাকা") == "দাম <num> টাকা"
    assert normalize("see https://t.co/x and www.example.com") == "see <url> and <url>"
    assert normalize("@rahim ভাই") == "<user> ভাই"
    assert normalize("খারাপ কথা |") == "খারাপ কথা।"
    assert normalize("৫০০টাকা") == "500টাকা"  # a number glued to a word stays part of it


def test_squeeze_whitespace_and_case():
    assert normalize("  ভালোোোোো!!!!!\n\nTUI   Ekta ") == "ভালোো!! tui ekta"


def test_banglish_and_code_mixed_survive():
    assert normalize("Tui ekta khanki, ami jani") == "tui ekta khanki, ami jani"
    assert normalize("এই video টা দেখো #viral") == "এই video টা দেখো viral"


def test_long_input_truncated_with_flag():
    info = normalize_with_info("ক " * 50_000)
    assert info.truncated and info.original_length == 100_000
    assert len(info.text) <= MAX_CHARS
    assert not normalize_with_info("ছোট লেখা").truncated


@settings(max_examples=300, deadline=None)
@given(st.text(MIXED, max_size=200))
def test_idempotent_and_bounded(text):
    once = normalize(text)
    assert normalize(once) == once
    assert len(once) <= MAX_CHARS


@settings(max_examples=30, deadline=None)
@given(st.text(MIXED, min_size=1, max_size=60).map(lambda s: s * (3 * MAX_CHARS // len(s) + 1)))
def test_long_random_text_bounded_and_idempotent(text):
    once = normalize(text)
    assert len(once) <= MAX_CHARS
    assert normalize(once) == once
