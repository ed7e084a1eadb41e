"""The Bengali+Latin recognizer: trains on rendered lines, saves in EasyOCR's custom-network format,
loads through `easyocr.Reader` and the OCR engine (no mocks; a tiny network keeps it fast)."""

import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from banglahate_gui.data.synth_memes import bengali_fonts, latin_fonts
from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr import OcrConfig, OcrReader, trust
from banglahate_gui.resources import default_recognizer_dir
from banglahate_gui.train.recognizer import (
    CHARACTERS,
    IMG_H,
    CHECKPOINT,
    NAME,
    PHOTO_STYLES,
    SIGN_STYLE,
    RecognizerConfig,
    Trainer,
    clean_label,
    load_recognizer_state,
    render_line,
    sample_lines,
    training_fonts,
    save_recognizer,
    train,
)

TINY = RecognizerConfig(output_channel=32, hidden_size=32, lr=1e-2)
WORD = "ami"


def _fonts() -> tuple[str, str]:
    return next(f for f in bengali_fonts() if "NotoSansBengali-Bold" in f), latin_fonts()[0]


@pytest.fixture(scope="module")
def line() -> np.ndarray:
    bengali, latin = _fonts()
    return render_line(WORD, bengali, latin, random.Random(3))


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, line) -> Path:
    """A tiny network overfitted on one rendered line, saved as `tiny_rec`. EasyOCR pads a crop to a
    multiple of its height by repeating the last column: the line is also shown padded."""
    torch.set_num_threads(1)
    trainer = Trainer(TINY)
    padded = np.pad(line, ((0, 0), (0, line.shape[0])), mode="edge")
    for step in range(300):
        trainer.step([(line, WORD), (padded, WORD)])
        if step % 10 == 9 and trainer.predict([line]) == [WORD]:
            break
    assert trainer.predict([line]) == [WORD]
    out = tmp_path_factory.mktemp("recognizer")
    save_recognizer(trainer.model, TINY, out, name="tiny_rec")
    trust.trust_recognizer(out)  # as `python -m banglahate_gui.train.recognizer --trust` does
    return out


def test_clean_label():
    assert clean_label("ক\u09cd\u200cষ  ok\n😀 ৳") == "ক\u09cdষ ok ৳"
    assert clean_label("ড\u09bc") == "ড\u09bc"  # NFC keeps the nukta decomposed (composition exclusion)


def test_training_steps_lower_the_loss():
    torch.set_num_threads(1)
    bengali, latin = _fonts()
    rng = random.Random(0)
    texts = ["আমি ভালো", "kemon acho", "তুমি bad", "৫০ টাকা"]
    batch = [(render_line(t, bengali, latin, rng), t) for t in texts]
    trainer = Trainer(TINY)
    losses = [trainer.step(batch) for _ in range(12)]
    assert np.mean(losses[-3:]) < 0.8 * np.mean(losses[:3])


def test_photo_styles_draw_light_text_over_a_textured_background():
    bengali, latin = _fonts()
    for style in PHOTO_STYLES:
        pixels = render_line("আমি ভালো", bengali, latin, random.Random(5), style)
        assert pixels.ndim == 2 and pixels.shape[0] >= 12
        assert pixels.max() >= 200 and pixels.std() > 20  # white strokes, a busy background


def test_sign_style_draws_a_word_on_a_board_at_an_angle():
    bengali, latin = _fonts()
    pixels = [render_line("হোটেল", bengali, latin, random.Random(seed), SIGN_STYLE) for seed in range(12)]
    assert all(p.ndim == 2 and p.shape[0] >= 12 and p.std() > 8 for p in pixels)  # letters stand out
    # Not one fixed look: the board's gray level and the line's aspect ratio vary from sign to sign.
    assert np.ptp([np.median(p) for p in pixels]) > 60
    assert np.ptp([p.shape[1] / p.shape[0] for p in pixels]) > 0.5


def test_sign_lines_are_one_or_two_words_and_old_mixes_draw_the_same_lines():
    captions = ["আমি তোমাকে ভালো বাসি না", "kemon acho tumi bhai"]
    signs = sample_lines(captions, 12, 4, training_fonts(), 3, sign_share=1.0)
    assert all(1 <= len(text.split()) <= 2 for _, text in signs)
    plain = sample_lines(captions, 6, 4, training_fonts(), 3)
    again = sample_lines(captions, 6, 4, training_fonts(), 3, sign_share=0.0)
    assert [t for _, t in plain] == [t for _, t in again]
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(plain, again))


def test_a_short_run_checkpoints_resumes_and_can_fine_tune_its_output(tmp_path, data_dir):
    """The one-minute smoke run of the trainer: a tiny network, photo and sign styles in the mix, an interrupted
    run resumed from its checkpoint, and the output loaded as the start of a fine-tuning run."""
    torch.set_num_threads(1)
    config = replace(TINY, val_lines=8, eval_minutes=0.05, photo_share=0.4, sign_share=0.3, batch_size=4)
    first = train(data_dir, tmp_path, 0.1, config, limit=300)
    assert (tmp_path / CHECKPOINT).is_file() and first["steps"] > 0
    second = train(data_dir, tmp_path, 0.2, config, limit=300)
    assert second["steps"] > first["steps"]
    assert second["history"][:len(first["history"])] == first["history"]  # continued, not restarted
    assert {"val_cer", "val_photo_cer", "val_sign_cer", "held_out_font_cer"} <= set(second["best"])
    report = json.loads((tmp_path / "training_report.json").read_text(encoding="utf-8"))
    assert report["steps"] == second["steps"] and report["config"]["sign_share"] == 0.3
    state = load_recognizer_state(tmp_path, NAME)
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    tuned = Trainer(config, state)
    assert torch.equal(tuned.model.state_dict()["Prediction.weight"], state["Prediction.weight"])


def test_saved_network_reads_through_easyocr(tiny_dir, line):
    import easyocr

    state = torch.load(tiny_dir / "tiny_rec.pth", weights_only=True)
    assert all(k.startswith("module.") and isinstance(v, torch.Tensor) for k, v in state.items())
    spec = yaml.safe_load((tiny_dir / "tiny_rec.yaml").read_text(encoding="utf-8"))
    assert spec["character_list"] == CHARACTERS and spec["imgH"] == IMG_H
    assert not (tiny_dir / "tiny_rec.py").exists()  # the network code is the package's own
    model_dir = OcrConfig().resolved_easyocr_dir()
    if not model_dir or not (Path(model_dir) / trust.DETECTOR_FILE).is_file():
        pytest.skip("EasyOCR detector not installed")
    with trust.staged_weights(model_dir, trust.verify_recognizer(tiny_dir)) as staged:
        reader = easyocr.Reader(["bn", "en"], gpu=False, recog_network=staged.network, detector=False,
                                user_network_directory=staged.folder, model_storage_directory=staged.folder,
                                download_enabled=False, verbose=False)
    assert [text for _, text, _ in reader.recognize(line)] == [WORD]


def test_engine_uses_the_custom_recognizer(tiny_dir, line):
    reader = OcrReader(OcrConfig(recognizer_dir=str(tiny_dir)))
    if reader.easyocr.missing_files():
        pytest.skip(f"EasyOCR detector not installed in {reader.easyocr.model_dir}")
    info = reader.available_engines()["easyocr"]
    assert info["available"] and info["recognizer"] == "tiny_rec"
    assert info["expected_files"] == ["craft_mlt_25k.pth", "tiny_rec.yaml", "tiny_rec.pth"]
    result = reader.read(Image.fromarray(np.pad(line, 20, mode="edge"), "L").convert("RGB"), engine="easyocr")
    assert result.readings[0].model == "tiny_rec"
    assert result.to_dict()["readings"][0]["model"] == "tiny_rec"


def test_pickled_objects_are_refused(tmp_path, tiny_dir):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tiny_rec.yaml").write_bytes((tiny_dir / "tiny_rec.yaml").read_bytes())
    torch.save({"module.x": torch.zeros(1), "payload": random.Random(0)}, bad / "tiny_rec.pth")
    with pytest.raises(OcrUnavailableError, match="plain state_dict"):
        trust.trust_recognizer(bad)  # never added to the allowlist
    reader = OcrReader(OcrConfig(recognizer_dir=str(bad)))
    with pytest.raises(OcrUnavailableError, match="not trusted"):
        reader.easyocr.reader()


def test_shipped_recognizer_is_small_and_tensors_only():
    folder = default_recognizer_dir()
    weights = sorted(folder.glob("*.pth"))
    if not weights:
        pytest.skip(f"no recognizer shipped in {folder}")
    assert len(weights) == 1 and weights[0].stat().st_size <= 30 * 2**20
    state = torch.load(weights[0], map_location="cpu", weights_only=True)
    spec = yaml.safe_load(weights[0].with_suffix(".yaml").read_text(encoding="utf-8"))
    assert state["module.Prediction.weight"].shape[0] == len(spec["character_list"]) + 1
    assert (folder / "RECOGNIZER_CARD.md").is_file()

