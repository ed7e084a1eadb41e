"""User settings (persisted with QSettings) and the dialog that edits them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from banglahate_gui.defaults import DEVICES, OCR_THRESHOLD, TEXT_SCOPE, TEXT_SCOPES
from banglahate_gui.ocr.config import BUILTIN_RECOGNIZER, PREPROCESS_MODES, OcrConfig
from banglahate_gui.app.policy_editor import PolicyEditor
from banglahate_gui.app.trust import confirm_recognizer
from banglahate_gui.review.verdict import Policy, PolicyError

ENGINES = {"": f"Auto ({OCR_THRESHOLD:.2f} gate)", "easyocr": "EasyOCR", "tesseract": "Tesseract"}
"""Engine choice -> label; "" lets the confidence gate choose."""
TEXT_SCOPE_NAMES = {"caption": "Caption lines (background shown, not classified)", "all": "All text"}
"""`OcrConfig.text_scope` -> label."""


def profiles_dir() -> Path:
    """Where named threshold profiles (JSON, shareable) are kept."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".banglahate") / "profiles"


def default_log_path() -> str:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return str(Path(base or Path.home() / ".banglahate") / "review_log.sqlite3")


@dataclass
class AppSettings:
    bundle: str = ""  # "" = the shipped default bundle
    device: str = "auto"
    ocr_threshold: float = OCR_THRESHOLD
    force_engine: str = ""  # "", "easyocr" or "tesseract"
    ocr_preprocess: str = "auto"  # one of PREPROCESS_MODES
    ocr_recognizer: str = ""  # "" = the shipped Bengali+Latin recognizer, "builtin", or a folder
    ocr_text_scope: str = TEXT_SCOPE  # which lines of an image are classified (TEXT_SCOPES)
    lime_samples: int = 500
    auto_explain: bool = False
    review_log: str = ""  # "" = default_log_path()
    moderator_name: str = ""  # recorded with each decision
    blur_images: bool = True  # pictures shown blurred until revealed (B)
    greyscale_images: bool = False
    remember_analyses: bool = True
    analysis_cache: str = ""  # "" = banglahate_gui.cache.default_cache_path()
    policy: str = ""  # the verdict Policy as JSON ("" = defaults)

    @property
    def review_log_path(self) -> str:
        return self.review_log or default_log_path()

    @property
    def verdict_policy(self) -> Policy:
        try:
            return Policy.from_dict(json.loads(self.policy)) if self.policy else Policy()
        except (PolicyError, json.JSONDecodeError):
            return Policy()

    def ocr_config(self) -> OcrConfig:
        scope = self.ocr_text_scope if self.ocr_text_scope in TEXT_SCOPES else TEXT_SCOPE
        return OcrConfig(threshold=self.ocr_threshold, preprocess=self.ocr_preprocess,
                         recognizer_dir=self.ocr_recognizer or None, text_scope=scope)

    def persisted(self, stored: AppSettings, overrides: dict) -> AppSettings:
        """What to save: a one-run override (`--log`, `--bundle`, `--device`) left unchanged in the
        dialog keeps the stored value; one the user changed there is saved."""
        kept = {k: getattr(stored, k) for k, v in overrides.items() if getattr(self, k) == v}
        return replace(self, **kept)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def load(cls, store: QSettings) -> "AppSettings":
        values = {}
        for f in fields(cls):
            default = f.default
            raw = store.value(f.name, default)
            if isinstance(default, bool):
                values[f.name] = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
            else:
                try:
                    values[f.name] = type(default)(raw)
                except (TypeError, ValueError):
                    values[f.name] = default
        if values["device"] not in DEVICES:
            values["device"] = "auto"
        if values["force_engine"] not in ENGINES:
            values["force_engine"] = ""
        if values["ocr_preprocess"] not in PREPROCESS_MODES:
            values["ocr_preprocess"] = "auto"
        return cls(**values)

    def save(self, store: QSettings) -> None:
        for key, value in self.to_dict().items():
            store.setValue(key, value)
        store.sync()


def _path_row(edit: QLineEdit, pick) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    browse = QPushButton("Browse…")
    browse.clicked.connect(pick)
    layout.addWidget(browse)
    return row


class SettingsDialog(QDialog):
    """Edit a copy of the settings; `values()` returns it after Accept."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None, tasks: tuple = ()):
        """`tasks`: the loaded bundle's task schema, whose thresholds the verdict section edits."""
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Settings")
        self.setMinimumWidth(620)
        form = QFormLayout(self)

        self.bundle = QLineEdit(settings.bundle)
        self.bundle.setPlaceholderText("shipped model (resources/models/banglahatenet-mini)")
        form.addRow("Model bundle folder", _path_row(self.bundle, self._pick_bundle))

        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(settings.device)
        form.addRow("Device", self.device)

        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(settings.ocr_threshold)
        self.threshold.setToolTip("EasyOCR readings below this confidence are re-read with Tesseract")
        form.addRow("OCR confidence gate", self.threshold)

        self.engine = QComboBox()
        for key, label in ENGINES.items():
            self.engine.addItem(label, key)
        self.engine.setCurrentIndex(list(ENGINES).index(settings.force_engine))
        form.addRow("OCR engine", self.engine)

        self.preprocess = QComboBox()
        self.preprocess.addItems(PREPROCESS_MODES)
        self.preprocess.setCurrentText(settings.ocr_preprocess)
        self.preprocess.setToolTip("auto: EasyOCR on the raw image, Tesseract after Otsu thresholding (measured best)")
        form.addRow("OCR preprocessing", self.preprocess)

        self.text_scope = QComboBox()
        for key, label in TEXT_SCOPE_NAMES.items():
            self.text_scope.addItem(label, key)
        self.text_scope.setCurrentIndex(max(0, self.text_scope.findData(settings.ocr_text_scope)))
        self.text_scope.setToolTip("Caption: background lines (signs, page names, buttons) are shown but not "
                                   "classified; \"Add background text\" adds them to one item")
        form.addRow("Classify in images", self.text_scope)

        self.recognizer = QLineEdit(settings.ocr_recognizer)
        self.recognizer.setPlaceholderText(f"shipped Bengali+Latin recognizer; '{BUILTIN_RECOGNIZER}' = EasyOCR's own")
        form.addRow("EasyOCR recognizer", _path_row(self.recognizer, self._pick_recognizer))

        self.samples = QSpinBox()
        self.samples.setRange(50, 10000)
        self.samples.setSingleStep(100)
        self.samples.setValue(settings.lime_samples)
        form.addRow("LIME samples", self.samples)

        self.auto_explain = QCheckBox("Explain every analysed item automatically")
        self.auto_explain.setChecked(settings.auto_explain)
        form.addRow("Explanations", self.auto_explain)

        self.log = QLineEdit(settings.review_log)
        self.log.setPlaceholderText(default_log_path())
        form.addRow("Review log file", _path_row(self.log, self._pick_log))

        self.moderator_name = QLineEdit(settings.moderator_name)
        self.moderator_name.setPlaceholderText("recorded with each decision")
        form.addRow("Moderator name", self.moderator_name)
        self.blur = QCheckBox("Blur pictures until revealed (B)")
        self.blur.setChecked(settings.blur_images)
        self.greyscale = QCheckBox("Show pictures in greyscale until revealed")
        self.greyscale.setChecked(settings.greyscale_images)
        form.addRow("Graphic images", self.blur)
        form.addRow("", self.greyscale)
        self.remember = QCheckBox("Remember analyses (re-opened files are shown at once)")
        self.remember.setChecked(settings.remember_analyses)
        form.addRow("Analyses", self.remember)
        self.policy = PolicyEditor(settings.verdict_policy, profiles_dir(), self, tasks=tasks)
        form.addRow(self.policy)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _pick_bundle(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model bundle folder", self.bundle.text())
        if folder:
            self.bundle.setText(folder)

    def _pick_recognizer(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "EasyOCR recognizer folder (NAME.yaml, NAME.pth)",
                                                  self.recognizer.text())
        if folder and confirm_recognizer(self, folder):
            self.recognizer.setText(folder)

    def _pick_log(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Review log file", self.log.text() or default_log_path(), "SQLite (*.sqlite3 *.db)"
        )
        if path:
            self.log.setText(path)

    def values(self) -> AppSettings:
        return AppSettings(
            bundle=self.bundle.text().strip(),
            device=self.device.currentText(),
            ocr_threshold=round(self.threshold.value(), 2),
            force_engine=self.engine.currentData(),
            ocr_preprocess=self.preprocess.currentText(),
            ocr_recognizer=self.recognizer.text().strip(),
            ocr_text_scope=self.text_scope.currentData(),
            lime_samples=self.samples.value(),
            auto_explain=self.auto_explain.isChecked(),
            review_log=self.log.text().strip(),
            moderator_name=self.moderator_name.text().strip(),
            blur_images=self.blur.isChecked(),
            greyscale_images=self.greyscale.isChecked(),
            remember_analyses=self.remember.isChecked(),
            analysis_cache=self.settings.analysis_cache,
            policy=json.dumps(self.policy.policy().to_dict(), ensure_ascii=False),
        )

    def accept(self) -> None:
        try:
            self.policy.policy()
        except PolicyError as exc:
            QMessageBox.warning(self, "Thresholds", str(exc))
            return
        choice = self.recognizer.text().strip()
        if choice != self.settings.ocr_recognizer and not confirm_recognizer(self, choice):
            self.recognizer.setText(self.settings.ocr_recognizer)  # not trusted: keep the previous recognizer
        super().accept()
