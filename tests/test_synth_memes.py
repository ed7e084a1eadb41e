"""Synthetic memes: shaping available, fonts found, deterministic for a seed."""

import numpy as np
import pytest

from banglahate_gui.data.synth_memes import (
    bengali_fonts,
    generate_memes,
    gold_text,
    latin_fonts,
    raqm_available,
    render_meme,
)

CAPTIONS = ["তুই একটা বাজে লোক", "ami tomake bhalobashi na", "এটা কি hate speech?\nbottom text"]


def test_raqm_and_fonts_available():
    assert raqm_available()
    fonts = bengali_fonts()
    assert any("NotoSansBengali" in f for f in fonts)
    assert not any("Assamese" in f for f in fonts)
    assert latin_fonts()


def test_raqm_shapes_bengali_conjuncts():
    """With shaping, the pre-base vowel sign and conjunct change the glyph layout, not just
    concatenate: 'ক্ষে' must not render as the same pixels as its unshaped code points side by side."""
    noto = next(f for f in bengali_fonts() if "NotoSansBengali-Regular" in f)
    shaped = np.asarray(render_meme("ক্ষে", seed=0, font=noto, style="plain", font_size=60))
    spaced = np.asarray(render_meme("ক ্ ষ ে", seed=0, font=noto, style="plain", font_size=60))
    assert shaped.shape == spaced.shape
    assert not np.array_equal(shaped, spaced)


def test_render_is_deterministic_for_a_seed():
    kwargs = dict(style="outline", background="noise", damage=True)
    first = np.asarray(render_meme(CAPTIONS[0], seed=7, **kwargs))
    again = np.asarray(render_meme(CAPTIONS[0], seed=7, **kwargs))
    other = np.asarray(render_meme(CAPTIONS[0], seed=8, **kwargs))
    assert np.array_equal(first, again)
    assert first.shape != other.shape or not np.array_equal(first, other)


def test_generate_memes_deterministic_and_gold_text():
    memes = generate_memes(CAPTIONS, 4, seed=3, size=(320, 240))
    again = generate_memes(CAPTIONS, 4, seed=3, size=(320, 240))
    assert [m.to_dict() for m in memes] == [m.to_dict() for m in again]
    assert all(np.array_equal(np.asarray(a.image), np.asarray(b.image)) for a, b in zip(memes, again))
    assert {m.text for m in memes} <= {gold_text(c) for c in CAPTIONS}
    assert all(m.image.mode == "RGB" for m in memes)


def test_gold_text_keeps_top_and_bottom():
    assert gold_text("  top   line \n\n bottom\nmore ") == "top line\nbottom more"


def test_text_is_drawn_in_the_caption_area():
    image = np.asarray(render_meme("hello world", seed=0, style="caption", size=(400, 300)))
    band = image[: 300 // 4]
    assert (band < 64).any(), "black caption text expected in the white band"
    assert (band == 255).mean() > 0.5


@pytest.mark.parametrize("bad", [{"style": "nope"}, {"background": "nope"}])
def test_rejects_unknown_options(bad):
    with pytest.raises(ValueError):
        render_meme("x", **bad)
