"""Settings: choosing an untrusted recognizer folder asks "Trust this recognizer?" with the folder, its files
and their SHA-256; Trust adds them to the user's allowlist (the CLI's), Cancel keeps the previous recognizer."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from banglahate_gui.app.settings import AppSettings, SettingsDialog  # noqa: E402
from banglahate_gui.app.trust import TITLE, TrustRecognizerDialog, confirm_recognizer  # noqa: E402
from banglahate_gui.ocr import trust  # noqa: E402
from banglahate_gui.resources import default_recognizer_dir  # noqa: E402

NAME = "bn_latin_g2"


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(trust.CONFIG_DIR_ENV, str(tmp_path / "config"))
    return tmp_path / "config"


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory):
    """The shipped recognizer with one weight changed, and its calibration file: a folder nobody trusted."""
    folder = tmp_path_factory.mktemp("untrusted") / "rec"
    folder.mkdir()
    shutil.copyfile(default_recognizer_dir() / f"{NAME}.yaml", folder / f"{NAME}.yaml")
    shutil.copyfile(default_recognizer_dir() / f"{NAME}{trust.CALIBRATION_SUFFIX}", folder / f"{NAME}{trust.CALIBRATION_SUFFIX}")
    state = torch.load(default_recognizer_dir() / f"{NAME}.pth", weights_only=True)
    state["module.Prediction.bias"] = state["module.Prediction.bias"] + 0.25
    torch.save(state, folder / f"{NAME}.pth")
    return folder


class TrustAnswer:
    """Answers the trust dialog when it appears ("Trust" or "Cancel"), recording what it showed."""

    def __init__(self, button: str):
        self.button, self.shown = button, []
        self.tries = 0
        QTimer.singleShot(0, self.press)

    def press(self) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, TrustRecognizerDialog):
            self.tries += 1
            if self.tries < 200:  # the dialog opens after the test's call starts; give up after ~4 s
                QTimer.singleShot(20, self.press)
            return
        table = dialog.table
        self.shown.append({"title": dialog.windowTitle(), "text": _texts(dialog),
                           "rows": [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]})
        if self.button == "Trust":
            dialog.trust_button.click()
        else:
            dialog.reject()


def _texts(dialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def test_dialog_shows_the_folder_files_and_hashes(qtbot, untrusted, config_dir):
    hashes = trust.read_recognizer(untrusted).hashes
    dialog = TrustRecognizerDialog(str(untrusted), hashes)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == TITLE == "Trust this recognizer?"
    rows = [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text()) for r in range(dialog.table.rowCount())]
    assert rows == [(f"{NAME}.yaml", hashes.yaml_sha256), (f"{NAME}.pth", hashes.pth_sha256),
                    (f"{NAME}{trust.CALIBRATION_SUFFIX}", hashes.calibration_sha256)]
    assert all(len(digest) == 64 for _, digest in rows)
    assert str(untrusted) in _texts(dialog) and str(trust.allowlist_path()) in _texts(dialog)
    assert dialog.trust_button.text() == "Trust"


def test_trust_adds_the_hashes_to_the_users_allowlist(qtbot, untrusted, config_dir):
    with pytest.raises(trust.UntrustedRecognizerError):
        trust.verify_recognizer(untrusted, load_tensors=False)
    settings = AppSettings()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.recognizer.setText(str(untrusted))
    answer = TrustAnswer("Trust")
    dialog.accept()
    assert len(answer.shown) == 1 and answer.shown[0]["title"] == TITLE
    assert str(untrusted) in answer.shown[0]["text"]
    assert [name for name, _ in answer.shown[0]["rows"]] == [f"{NAME}.yaml", f"{NAME}.pth", f"{NAME}.calibration.json"]
    hashes = trust.read_recognizer(untrusted).hashes
    assert trust.user_trusted() == [hashes] and trust.allowlist_path().parent == config_dir
    assert dict(answer.shown[0]["rows"]) == dict(hashes.files())
    assert dialog.values().ocr_recognizer == str(untrusted)
    assert trust.verify_recognizer(untrusted, load_tensors=False).hashes == hashes  # EasyOCR may load it now
    answer = TrustAnswer("Cancel")
    assert confirm_recognizer(None, str(untrusted)) and answer.shown == []  # trusted now: no second question


def test_cancel_keeps_the_previous_recognizer(qtbot, untrusted, config_dir, monkeypatch):
    settings = AppSettings(ocr_recognizer="builtin")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.recognizer.setText(str(untrusted))
    answer = TrustAnswer("Cancel")
    dialog.accept()
    assert len(answer.shown) == 1
    assert dialog.values().ocr_recognizer == "builtin" and trust.user_trusted() == []
    # Browse… picks the folder: asked at once, Cancel leaves the field as it was
    from banglahate_gui.app import settings as settings_module

    monkeypatch.setattr(settings_module.QFileDialog, "getExistingDirectory", lambda *a, **k: str(untrusted))
    picker = SettingsDialog(settings)
    qtbot.addWidget(picker)
    answer = TrustAnswer("Cancel")
    picker._pick_recognizer()
    assert len(answer.shown) == 1 and picker.recognizer.text() == "builtin" and trust.user_trusted() == []


def test_trusted_or_unusable_folders_ask_nothing(qtbot, tmp_path, config_dir, monkeypatch):
    warnings = []
    monkeypatch.setattr("banglahate_gui.app.trust.QMessageBox.warning", lambda *args: warnings.append(args[2]))
    shipped_copy = shutil.copytree(default_recognizer_dir(), tmp_path / "copy")
    for choice in ("", "builtin", str(shipped_copy)):
        answer = TrustAnswer("Cancel")
        assert confirm_recognizer(None, choice)
        assert answer.shown == [] and warnings == []
    (tmp_path / "empty").mkdir()
    dialog = SettingsDialog(AppSettings())
    qtbot.addWidget(dialog)
    dialog.recognizer.setText(str(tmp_path / "empty"))
    dialog.accept()
    assert dialog.values().ocr_recognizer == ""
    assert len(warnings) == 1 and "cannot be used as a recognizer" in warnings[0] and "NAME.yaml" in warnings[0]
