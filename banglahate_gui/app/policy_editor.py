"""Per-task thresholds and uncertain bands, and per-label thresholds of multi-label tasks, for the tasks of
the loaded bundle, with named profiles a team can share (JSON files)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from banglahate_gui.model.prediction import DEFAULT_LABEL_THRESHOLD
from banglahate_gui.review.verdict import POLICY_EXPLANATION, Policy, PolicyError, TaskPolicy, list_profiles

FIELDS = ("low", "threshold", "high")


def _spin(value: float = 0.0) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, 1.0)
    spin.setSingleStep(0.05)
    spin.setDecimals(2)
    spin.setValue(value)
    return spin


class PolicyEditor(QGroupBox):
    """Edit a `Policy` for a bundle's `tasks` (`model.schema.Task`s); `policy()` returns what is shown
    (and keeps the parts of the policy for tasks this bundle does not have). Profiles live in `folder`."""

    def __init__(self, policy: Policy, folder: Path, parent: QWidget | None = None, tasks: tuple = ()):
        super().__init__("Verdicts: thresholds and uncertain band", parent)
        self.folder = folder
        self.name = policy.name
        self._shown = policy
        grid = QGridLayout(self)
        explanation = QLabel(POLICY_EXPLANATION)
        explanation.setWordWrap(True)
        explanation.setMinimumHeight(explanation.fontMetrics().lineSpacing() * 5)  # wrapped text in a form
        grid.addWidget(explanation, 0, 0, 1, 4)
        for col, title in enumerate(("Task", "Uncertain from", "Threshold", "Uncertain to")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 1, col)
        self.spins: dict[str, dict[str, QDoubleSpinBox]] = {}
        self.label_spins: dict[str, dict[str, QDoubleSpinBox]] = {}
        """Per multi-label task, one threshold per label (p ≥ threshold: the label is shown)."""
        row = 2
        if not tasks:
            grid.addWidget(QLabel("The thresholds of each task appear here once a model is loaded."), row, 0, 1, 4)
            row += 1
        for t in tasks:
            if t.kind == "sigmoid":
                grid.addWidget(QLabel(f"{t.name} — each label's threshold (multi-label)"), row, 0, 1, 4)
                row += 1
                self.label_spins[t.name] = {}
                for i, label in enumerate(t.labels):
                    spin = _spin(DEFAULT_LABEL_THRESHOLD)
                    spin.setToolTip(f"{t.name}: {label} is shown when its probability reaches this")
                    self.label_spins[t.name][label] = spin
                    grid.addWidget(QLabel(f"  {label.replace('_', ' ')}"), row + i // 2, 2 * (i % 2))
                    grid.addWidget(spin, row + i // 2, 2 * (i % 2) + 1)
                row += (len(t.labels) + 1) // 2
                continue
            grid.addWidget(QLabel(t.name), row, 0)
            self.spins[t.name] = {}
            for col, field in enumerate(FIELDS, start=1):
                spin = _spin()
                spin.setEnabled(t.name == "binary" or field == "high")  # multi-class tasks use only the upper edge
                self.spins[t.name][field] = spin
                grid.addWidget(spin, row, col)
            row += 1
        profiles = QHBoxLayout()
        self.profiles = QComboBox()
        self.profiles.activated.connect(self._load_profile)
        save = QPushButton("Save as profile…")
        save.clicked.connect(self.save_profile)
        load = QPushButton("Import…")
        load.clicked.connect(self.import_profile)
        profiles.addWidget(QLabel("Profile"))
        profiles.addWidget(self.profiles, 1)
        profiles.addWidget(save)
        profiles.addWidget(load)
        grid.addLayout(profiles, row, 0, 1, 4)
        self.show_policy(policy)
        self._fill_profiles()

    def show_policy(self, policy: Policy) -> None:
        self.name = policy.name
        self._shown = policy
        for task, spins in self.spins.items():
            rule = policy.task(task)
            for field, spin in spins.items():
                spin.setValue(getattr(rule, field))
        for task, spins in self.label_spins.items():
            for label, spin in spins.items():
                spin.setValue(policy.label_threshold(task, label))

    def policy(self) -> Policy:
        """The shown thresholds (raises PolicyError when low ≤ threshold ≤ high does not hold)."""
        tasks = {t: p for t, p in self._shown.tasks.items() if t not in self.spins}
        for t, spins in self.spins.items():
            values = {f: round(s.value(), 2) for f, s in spins.items()}
            if t != "binary":  # only `high` is editable (and used) here: keep the disabled edges below it
                values["low"], values["threshold"] = (min(values[f], values["high"]) for f in ("low", "threshold"))
            tasks[t] = TaskPolicy(**values)
        labels = {t: dict(v) for t, v in self._shown.labels.items() if t not in self.label_spins}
        for t, spins in self.label_spins.items():
            changed = {label: round(s.value(), 2) for label, s in spins.items()
                       if round(s.value(), 2) != DEFAULT_LABEL_THRESHOLD}
            if changed:
                labels[t] = changed
        return Policy(self.name, {t: p for t, p in tasks.items() if p != TaskPolicy()}, labels)

    def _fill_profiles(self) -> None:
        self.profiles.clear()
        self.profiles.addItem("default", Policy())
        for name, policy in list_profiles(self.folder).items():
            if name != "default":
                self.profiles.addItem(name, policy)
        if self.profiles.findText(self.name) < 0:  # in use but not saved as a file
            self.profiles.addItem(self.name, self.policy())
        self.profiles.setCurrentIndex(self.profiles.findText(self.name))

    def _load_profile(self, index: int) -> None:
        self.show_policy(self.profiles.itemData(index))

    def save_profile(self, name: str | None = None) -> Path | None:
        if not name:
            name, ok = QInputDialog.getText(self, "Save profile", "Profile name (shared as a JSON file):", text=self.name)
            if not ok or not name.strip():
                return None
        try:
            policy = self.policy()
        except PolicyError as exc:
            QMessageBox.warning(self, "Thresholds", str(exc))
            return None
        self.name = name.strip()
        path = Policy(self.name, policy.tasks, policy.labels).save(self.folder)
        self._fill_profiles()
        return path

    def import_profile(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import a threshold profile", "", "Profiles (*.json)")
            if not path:
                return
        try:
            policy = Policy.load(path)
        except PolicyError as exc:
            QMessageBox.warning(self, "Profile", str(exc))
            return
        policy.save(self.folder)
        self.show_policy(policy)
        self._fill_profiles()
