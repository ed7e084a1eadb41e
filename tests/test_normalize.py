"""normalize(): Bangla canonical forms, placeholders, Banglish untouched, and properties under hypothesis."""

import unicodedata

import regex  # transformers' dependency: Unicode property data independent of our table
from hypothesis import given, settings
from hypothesis import strategies as st

from banglahate_gui.text import MAX_CHARS, normalize, normalize_with_info, tables

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


# Issue 13, finding 4: invisible characters flipped predictions and bidi controls reordered the shown text.
_INVISIBLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]")
IGNORABLE_CHARS = [chr(c) for c in range(0x110000) if _INVISIBLE.match(chr(c))]
HATE_LINE = "তুই একটা বাজে লোক, tui ekta kharap"


def test_table_matches_unicode_default_ignorable_and_bidi_control():
    table = {chr(c) for lo, hi in tables.DEFAULT_IGNORABLE for c in range(lo, hi + 1)}
    assert table == set(IGNORABLE_CHARS)


def test_variation_selectors_after_every_letter_are_removed():
    assert normalize("".join(ch + "\ufe0f" for ch in HATE_LINE)) == normalize(HATE_LINE)


def test_combining_grapheme_joiner_and_hangul_filler_and_object_replacement():
    assert normalize("বা\u034fজে") == normalize("বাজে")
    assert normalize("বাজে\u3164লোক") == normalize("বাজে লোক")
    assert normalize("বাজে\ufffcলোক") == normalize("বাজে লোক")


def test_bidi_controls_do_not_reach_the_shown_text():
    assert normalize("\u202eকোল\u202c \u2066bad\u2069 \u200fok") == normalize("কোল bad ok")
    assert not _INVISIBLE.search(normalize("\u2067\u202d\u061cটেক্সট\u2068"))


def test_khanda_ta_survives_the_invisible_step():
    assert normalize("\u09a4\u09cd\u200d\ufe0fকাল") == normalize("\u09a4\u09cd\u200dকাল") == "\u09ceকাল"


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(MIXED, st.sampled_from(IGNORABLE_CHARS)), max_size=120))
def test_no_default_ignorable_or_bidi_control_survives(text):
    out = normalize(text)
    assert not _INVISIBLE.search(out)
    assert normalize(out) == out


@settings(max_examples=200, deadline=None)
@given(st.text(MIXED, max_size=80), st.lists(st.tuples(st.integers(0, 80), st.sampled_from(IGNORABLE_CHARS)),
                                              max_size=10))
def test_inserting_invisible_characters_changes_nothing(text, inserts):
    """Every invisible character but the Bangla joiners and blank fillers is simply dropped."""
    keep = [c for c in IGNORABLE_CHARS if c not in tables.BLANKS and c not in (tables.ZWJ, tables.ZWNJ)]
    noisy = list(text)
    for position, ch in sorted(inserts, reverse=True):
        if ch in keep:
            noisy.insert(min(position, len(noisy)), ch)
    assert normalize("".join(noisy)) == normalize(text)


def test_lone_surrogates_become_replacement_characters():
    """Finding 3: a lone surrogate crashed the tokenizer (TypeError) and stopped the remaining inputs."""
    out = normalize("খারাপ\ud800কথা \udcff ok")
    assert out == "খারাপ\ufffdকথা \ufffd ok"
    out.encode("utf-8")  # every tokenizer can take it


def test_edges_of_the_length_bounds_and_type_errors():
    """Pins left by mutation testing (scripts/mutation.sh): exact bounds, control characters, the message."""
    import pytest

    from banglahate_gui.text.normalize import _MAX_INPUT_CHARS

    exact = normalize_with_info("ab" * (MAX_CHARS // 2))
    assert len(exact.text) == MAX_CHARS and exact.truncated is False
    assert normalize_with_info("\u200b" * _MAX_INPUT_CHARS).truncated is False
    assert normalize_with_info("\u200b" * (_MAX_INPUT_CHARS + 1)).truncated is True
    assert normalize("a\x00b\x1fc") == "a b c"
    with pytest.raises(TypeError, match="normalize expects str, got int"):
        normalize(5)


def test_cut_at_the_length_bound_stays_idempotent():
    """Found by hypothesis: the cut left a digit at the end, which the next pass turned into <num>."""
    text = "0A:0" * (3 * MAX_CHARS // 4 + 1)
    once = normalize(text)
    assert len(once) <= MAX_CHARS and normalize(once) == once
