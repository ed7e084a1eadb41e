"""Every subcommand in-process through `banglahate_gui.cli.main`, and the JSON contract (issue 13, findings 3 and 7)."""

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from banglahate_gui import cli
from banglahate_gui.ocr import trust
from banglahate_gui.resources import default_recognizer_dir


def _lines(out: str) -> list[dict]:
    out.encode("utf-8")  # valid UTF-8 text: no lone surrogates
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def text_png(tmp_path_factory) -> Path:
    image = Image.new("RGB", (520, 120), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 40)
    ImageDraw.Draw(image).text((20, 35), "hello world", fill="black", font=font)
    path = tmp_path_factory.mktemp("img") / "hello.png"
    image.save(path)
    return path


def _corrupt_gif(path: Path) -> Path:
    """A GIF whose frame table Pillow trips over with IndexError (seed 66 of test_ocr_image)."""
    from tests.test_ocr_image import _mutated

    path.write_bytes(_mutated("GIF", 66))
    return path


def test_ocr_json_success_lines_carry_source(text_png, capsys):
    assert cli.main(["ocr", "--engine", "tesseract", "--json", str(text_png)]) == 0
    [line] = _lines(capsys.readouterr().out)
    assert line["source"] == str(text_png) and line["engine"] == "tesseract" and "hello" in line["text"].lower()


def test_ocr_human_output(text_png, capsys):
    assert cli.main(["ocr", "--engine", "tesseract", str(text_png)]) == 0
    assert "hello" in capsys.readouterr().out.lower()


def test_one_bad_file_never_kills_the_batch(tmp_path, text_png, capsys):
    bad_gif = _corrupt_gif(tmp_path / "bad.gif")
    bad_tiff = tmp_path / "bad.tiff"
    bad_tiff.write_bytes(b"II*\x00\x08\x00\x00\x00\x01\x00\x00\x01\x03\x00\x01\x00\x00\x00\x00\x00\x00\x00")
    code = cli.main(["ocr", "--engine", "tesseract", "--json", str(bad_gif), str(bad_tiff), str(text_png)])
    lines = _lines(capsys.readouterr().out)
    assert code == 1
    assert [line["source"] for line in lines] == [str(bad_gif), str(bad_tiff), str(text_png)]
    assert lines[0]["error"].startswith(str(bad_gif)) and lines[1]["error"].startswith(str(bad_tiff))
    assert "hello" in lines[2]["text"].lower()


def test_non_utf8_file_name_gives_valid_utf8_json(tmp_path, text_png, capsys):
    name = os.fsdecode(b"caf\xe9.png")  # Latin-1 byte: not UTF-8, arrives as a surrogate escape
    path = tmp_path / name
    shutil.copyfile(text_png, path)
    assert cli.main(["ocr", "--engine", "tesseract", "--json", str(path), str(tmp_path / name[:-4])]) == 1
    ok, missing = _lines(capsys.readouterr().out)
    assert ok["source"].endswith("caf\\xe9.png") and "hello" in ok["text"].lower()
    assert missing["source"].endswith("caf\\xe9") and "no such file" in missing["error"]


@pytest.mark.parametrize("argv", [
    ["ocr", "--threshold", "5", "x.png"],
    ["ocr", "--threshold", "nan", "x.png"],
    ["ocr", "--threshold", "-0.1", "x.png"],
    ["classify", "--threshold", "inf", "--text", "x"],
    ["info", "--threshold", "abc"],
    ["explain", "--samples", "0", "--text", "x"],
    ["explain", "--samples", "-5", "--text", "x"],
])
def test_threshold_and_samples_out_of_range_are_argparse_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument --" in err and "Traceback" not in err


def test_fatal_error_still_gives_one_json_line(tmp_path, capsys):
    code = cli.main(["classify", "--bundle", str(tmp_path / "missing"), "--json", "--text", "x"])
    [line] = _lines(capsys.readouterr().out)
    assert code == 2 and line["fatal"] is True and str(tmp_path / "missing") in line["error"]


def test_crash_still_gives_one_json_line(monkeypatch, capsys):
    from banglahate_gui import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline.Moderator, "load", boom)
    code = cli.main(["classify", "--json", "--text", "x"])
    [line] = _lines(capsys.readouterr().out)
    assert code == 3 and line["fatal"] is True and "RuntimeError: boom" in line["error"]


def test_nan_is_never_printed(monkeypatch, capsys):
    class Result:
        def to_dict(self):
            return {"source": "s", "confidence": float("nan")}

    assert cli._for_each(["a", "b"], "x", lambda item: Result(), True, str) == 1
    out = capsys.readouterr().out

    def strict(token):
        raise AssertionError(f"non-JSON number {token} printed")

    lines = [json.loads(line, parse_constant=strict) for line in out.splitlines()]
    assert [line["source"] for line in lines] == ["a", "b"]
    assert all("NaN or infinite" in line["error"] for line in lines)


def test_classify_text_json(tiny_bundle, capsys):
    code = cli.main(["classify", "--bundle", str(tiny_bundle), "--device", "cpu", "--json",
                     "--text", "তুই একটা বাজে লোক", "--text", "bad \ud800 text", "--text", "ভালো"])
    lines = _lines(capsys.readouterr().out)
    assert code == 0 and len(lines) == 3  # the lone surrogate used to stop the remaining texts
    assert set(lines[0]["prediction"]["tasks"]) == {"binary", "type", "target", "severity"}
    assert "\ufffd" in lines[1]["normalized_text"]


def test_classify_human(tiny_bundle, capsys):
    assert cli.main(["classify", "--bundle", str(tiny_bundle), "--device", "cpu", "--text", "তুই বাজে"]) == 0
    assert "binary" in capsys.readouterr().out


def test_explain_text_json(tiny_bundle, capsys):
    code = cli.main(["explain", "--bundle", str(tiny_bundle), "--device", "cpu", "--json", "--samples", "40",
                     "--task", "binary", "--text", "তুই একটা বাজে লোক"])
    [line] = _lines(capsys.readouterr().out)
    assert code == 0 and "binary" in json.dumps(line)


def test_explain_human(tiny_bundle, capsys):
    code = cli.main(["explain", "--bundle", str(tiny_bundle), "--device", "cpu", "--samples", "40", "--no-color",
                     "--task", "binary", "--text", "তুই একটা বাজে লোক"])
    assert code == 0 and "বাজে" in capsys.readouterr().out


def test_info_json_and_human(tiny_bundle, capsys):
    assert cli.main(["info", "--bundle", str(tiny_bundle), "--device", "cpu", "--json"]) == 0
    [info] = _lines(capsys.readouterr().out)
    assert info["bundle"]["path"] == str(tiny_bundle) and "easyocr" in info["ocr"]
    assert cli.main(["info", "--bundle", str(tiny_bundle), "--device", "cpu"]) == 0
    assert "ocr gate threshold" in capsys.readouterr().out


def test_trust_recognizer_needs_confirmation(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(trust.CONFIG_DIR_ENV, str(tmp_path / "config"))
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "r.yaml").write_bytes((default_recognizer_dir() / "bn_latin_g2.yaml").read_bytes())
    import torch

    state = torch.load(default_recognizer_dir() / "bn_latin_g2.pth", weights_only=True)
    state["module.Prediction.bias"] = state["module.Prediction.bias"] + 0.5
    torch.save(state, folder / "r.pth")
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # not a terminal: no silent yes
    assert cli.main(["trust-recognizer", str(folder)]) == 2
    assert trust.user_trusted() == []
    assert cli.main(["trust-recognizer", str(folder), "--yes"]) == 0
    assert [h.name for h in trust.user_trusted()] == ["r"]
    assert "SHA-256" in capsys.readouterr().out


def test_defaults_are_defined_once():
    """Devices, gate threshold, image limits and the data dir come from banglahate_gui.defaults everywhere."""
    from banglahate_gui import defaults
    from banglahate_gui.model.device import DEVICES
    from banglahate_gui.ocr import OcrConfig
    from banglahate_gui.ocr.image import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS

    parser = cli.build_parser()
    for argv in (["ocr", "x"], ["classify", "--text", "x"], ["explain", "--text", "x"], ["info"], ["triage", "x"]):
        assert parser.parse_args(argv).threshold == defaults.OCR_THRESHOLD == OcrConfig().threshold
    assert parser.parse_args(["info"]).device == defaults.DEFAULT_DEVICE and DEVICES is defaults.DEVICES
    assert (OcrConfig().max_pixels, OcrConfig().max_bytes) == (DEFAULT_MAX_PIXELS, DEFAULT_MAX_BYTES) == (
        defaults.MAX_IMAGE_PIXELS, defaults.MAX_IMAGE_BYTES)
    package = Path(cli.__file__).parent
    literals = ('("auto", "cpu", "cuda")', "50_000_000", "100 * 1024 * 1024", '"../shared')
    offenders = [f"{p.relative_to(package)}: {lit}" for p in package.rglob("*.py") if p.name != "defaults.py"
                 for lit in literals if lit in p.read_text(encoding="utf-8")]
    assert offenders == []
