"""`banglahate evaluate`: the held-out test split, per task, for every member alone, every pair, the fusion
and a TF-IDF baseline; a meme slice, a Banglish (romanized) slice and (given OCR readings) an OCR'd meme slice;
the official test files of the sources (VITD for violence, BD-SHS, TB-OLID) that no stage trained on; per-label
scores of multi-label tasks; calibration (ECE) before/after.

Every combination other than the bundle's own is fitted on the validation split with the same recipe as
the bundle (`train.fusion.fit_combination`), so each row gets the same treatment. Deterministic: the
baseline and the fits have no randomness beyond fixed seeds.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix

from banglahate_gui.data.corpus import build_corpus, frozen_test_ids, row_ids
from banglahate_gui.data.moderation_labels import task_labels
from banglahate_gui.model import load_bundle
from banglahate_gui.model.schema import IGNORE_INDEX, Task
from banglahate_gui.resources import default_bundle_dir
from banglahate_gui.train.baseline import TfidfBaseline
from banglahate_gui.train.calibration import expected_calibration_error
from banglahate_gui.train.fusion import Combination, fit_combination
from banglahate_gui.train.metrics import task_scores
from banglahate_gui.text import normalize
from banglahate_gui.text.scripts import dominant_script
from banglahate_gui.train.run import MEME_SOURCE, subsets

REFERENCE = {"binary": 0.848, "type": 0.699, "target": 0.705, "severity": 0.727}
"""Weighted F1 of the reference system (its own test set, base encoders on a GPU)."""
OFFICIAL_SETS = {
    "VITD (BLP-2023 violence) official test": ("vitd_blp2023/test.csv", "violence"),
    "BD-SHS official test": ("bdshs/test.csv", "binary"),
    "TB-OLID official test": ("tb_olid/test.json", "binary"),
}
"""Official test files (none of their texts trains anything) and the task each is scored on, by macro F1."""
BASELINE = "TF-IDF char n-grams + LR"
FUSED = "BanglaHateNet fused"
OCR_SLICE = "OCR'd meme captions (rendered, read by the shipped OCR, the text the app classifies)"


def romanized(texts: list[str]) -> np.ndarray:
    """Rows written mostly in Latin script (Banglish / code-mixed), placeholders like <num> aside."""
    out = []
    for t in texts:
        t = re.sub(r"<(?:num|url|user)>", " ", t)
        out.append(dominant_script(t) == "latin")
    return np.array(out, dtype=bool)


def _name(members: tuple[str, ...], bundle_members: tuple[str, ...]) -> str:
    if members == bundle_members:
        return FUSED
    return " + ".join(members) + (" alone" if len(members) == 1 else "")


@dataclass
class EvaluationReport:
    bundle_id: str
    test_rows: int
    frozen_split: bool
    """True when the test split reproduces the committed test ids."""
    tasks: list[str]
    fusion: dict[str, dict[str, float]]
    scores: dict[str, dict]  # model → task → metrics
    slices: dict[str, dict]  # slice → {"rows": n, "scores": model → task → metrics}
    calibration: dict[str, dict]  # task → {ece_before, ece_after, temperature}
    per_class: dict[str, dict]  # task → classification_report (per label scores for multi-label) of the fused model
    official: dict[str, dict] = field(default_factory=dict)  # set → {"rows", "task", "scores": model → metrics}
    figures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    inference: str = "torch"  # the encoders' runtime the scores came from

    def to_dict(self) -> dict:
        return self.__dict__.copy()

    def _table(self, scores: dict[str, dict], metric: str) -> list[str]:
        tasks = self.tasks
        lines = ["| model | " + " | ".join(tasks) + " | mean |", "|---" + "|---:" * (len(tasks) + 1) + "|"]
        for model, s in scores.items():
            known = [t for t in tasks if _scored(s[t])]  # a slice may have no label (or no positive) for a task
            lines.append(f"| {model} | " + " | ".join(f"{s[t][metric]:.3f}" if t in known else "–" for t in tasks)
                         + f" | {np.mean([s[t][metric] for t in known]):.3f} |")
        return lines

    def markdown(self) -> str:
        tasks = self.tasks
        split_note = "reproduces the frozen test ids" if self.frozen_split else \
            "DOES NOT match the frozen test ids (different data or --limit)"
        lines = [f"Test split: {self.test_rows} rows ({split_note}); bundle `{self.bundle_id}`; encoders on "
                 f"{self.inference}.", "",
                 "Fusion weights per task: " + "; ".join(
                     f"{t}: " + ", ".join(f"{m} {w:.2f}" for m, w in ws.items()) for t, ws in self.fusion.items()),
                 "", "Weighted F1:", "", *self._table(self.scores, "weighted_f1")]
        lines.append("| reference (paper, own test set) | " + " | ".join(f"{REFERENCE.get(t, float('nan')):.3f}"
                                                                       for t in tasks) + " | – |")
        lines += ["", "Macro F1:", "", *self._table(self.scores, "macro_f1")]
        for name, sl in self.slices.items():
            lines += ["", f"{name} ({sl['rows']} test rows), weighted F1:", "", *self._table(sl["scores"], "weighted_f1")]
        for name, o in self.official.items():
            lines += ["", f"{name}: {o['rows']} rows, task `{o['task']}` (no stage trained on them):", "",
                      "| model | macro F1 | weighted F1 |", "|---|---:|---:|"]
            lines += [f"| {m} | {v['macro_f1']:.3f} | {v['weighted_f1']:.3f} |" for m, v in o["scores"].items()]
        lines += ["", "Calibration of the fused model (top-label ECE, 15 bins), before and after temperature scaling:",
                  "", "| task | temperature | ECE before | ECE after |", "|---|---:|---:|---:|"]
        for t, c in self.calibration.items():
            lines.append(f"| {t} | {c['temperature']:.3f} | {c['ece_before']:.3f} | {c['ece_after']:.3f} |")
        lines += ["", "Accuracy (rows with a known label):", "",
                  "| model | " + " | ".join(f"{t} (n={self.scores[FUSED][t]['support']})" for t in tasks) + " |",
                  "|---" + "|---:" * len(tasks) + "|"]
        for model, scores in self.scores.items():
            lines.append(f"| {model} | " + " | ".join(f"{scores[t]['accuracy']:.3f}" for t in tasks) + " |")
        for t in tasks:
            if "per_label" in self.scores[FUSED][t]:
                lines += ["", f"{t} (multi-label), F1 per label on the test rows that label is known for:", "",
                          "| model | " + " | ".join(self.scores[FUSED][t]["per_label"]) + " | macro | micro |",
                          "|---" + "|---:" * (len(self.scores[FUSED][t]["per_label"]) + 2) + "|"]
                for model, sc in self.scores.items():
                    lines.append(f"| {model} | " + " | ".join(f"{v['f1']:.3f}" for v in sc[t]["per_label"].values())
                                 + f" | {sc[t]['macro_f1']:.3f} | {sc[t]['micro_f1']:.3f} |")
                continue
            lines += ["", f"Fused, {t}, per class:", "", "| class | precision | recall | F1 | support |",
                      "|---|---:|---:|---:|---:|"]
            for label, m in self.per_class[t].items():
                if isinstance(m, dict) and label not in ("macro avg", "weighted avg"):
                    lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1-score']:.3f} | "
                                 f"{int(m['support'])} |")
        return "\n".join(lines) + "\n"


def _scored(metrics: dict) -> bool:
    """Whether a task has anything to score: known labels, and for a multi-label task at least one positive."""
    if "per_label" in metrics:
        return any(v["support"] for v in metrics["per_label"].values())
    return bool(metrics["support"])


def _plot_confusions(tasks: tuple[Task, ...], labels: dict, predicted: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for t in (t for t in tasks if t.kind == "softmax"):
        known = labels[t.name] != IGNORE_INDEX
        matrix = confusion_matrix(labels[t.name][known], predicted[t.name][known], labels=range(t.num_labels),
                                  normalize="true")
        fig, ax = plt.subplots(figsize=(4.5, 4))
        ax.imshow(np.nan_to_num(matrix), cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(t.num_labels), t.labels, rotation=45, ha="right")
        ax.set_yticks(range(t.num_labels), t.labels)
        for (i, j), v in np.ndenumerate(np.nan_to_num(matrix)):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if v > 0.5 else "black", fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true (row-normalized)")
        ax.set_title(f"{t.name} (fused)")
        fig.tight_layout()
        name = f"confusion_{t.name}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        files.append(name)
    return files


def _subset(labels: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in labels.items()}


def evaluate(bundle: Path | None, data_dir: Path, out_dir: Path, device: str = "auto",
             limit: int | None = None, plots: bool = True, ocr_readings: Path | None = None,
             inference: str = "torch") -> EvaluationReport:
    """Score the bundle on the corpus's test split; write report.md, report.json and the figures to `out_dir`.

    `limit` (rows per source file) must match the one the bundle was trained with, or the split differs.
    `ocr_readings`: a JSONL of {id, classified_text} per test meme caption (`python -m
    banglahate_gui.train.ocr_noise read-captions`), scored as the "OCR'd meme captions" slice.
    `inference`: the encoders' runtime; PyTorch by default, so the scores never depend on which path
    "auto" measured fastest on this machine (int8 moves a few borderline texts).
    """
    started = time.time()
    classifier = load_bundle(bundle or default_bundle_dir(), device, inference)
    manifest, tasks = classifier.manifest, classifier.tasks
    corpus = build_corpus(data_dir, limit=limit)
    train, val, test = corpus.subset("train"), corpus.subset("validation"), corpus.subset("test")
    frame = corpus.frame
    official_rows = frame[frame["split"].isin(("test", "heldout")) & (frame["official_test"] != "")]
    frozen = set(row_ids(test)) == frozen_test_ids()
    texts, labels, val_labels = test["text"].tolist(), task_labels(test, tasks), task_labels(val, tasks)
    val_member = classifier.member_proba(val["text"].tolist(), batch_size=128)
    meme_val = (val["source"] == MEME_SOURCE).to_numpy()
    bundled = Combination(manifest.members, manifest.fusion, {t.name: manifest.temperature(t.name) for t in tasks},
                          {t.name: manifest.offsets.get(t.name, [0.0] * t.num_labels) for t in tasks})
    baseline = TfidfBaseline(tasks).fit(train["text"].tolist(), task_labels(train, tasks))
    combos = {_name(members, manifest.members): bundled if members == manifest.members else
              fit_combination(members, val_member, val_labels, tasks, slice_mask=meme_val)
              for members in subsets(manifest.members)}

    def predict(rows: list[str], per_member: dict | None = None) -> dict[str, tuple[dict, dict]]:
        """model name → (probabilities, decided labels) for `rows`, the baseline first (`per_member`: the
        members' probabilities for `rows` when already computed)."""
        base = baseline.predict_proba(rows)
        out = {BASELINE: (base, {t.name: (base[t.name] >= 0.5).astype(np.int64) if t.kind == "sigmoid"
                                 else base[t.name].argmax(1) for t in tasks})}
        per_member = per_member if per_member is not None else classifier.member_proba(rows, batch_size=128)
        for name, combo in combos.items():
            proba = combo.proba(per_member, tasks)
            out[name] = (proba, combo.decide(proba, tasks))
        return out

    test_members = classifier.member_proba(texts, batch_size=128)
    predictions = predict(texts, test_members)
    scores = {name: task_scores(labels, p, tasks, d) for name, (p, d) in predictions.items()}
    slices = {}
    for name, mask in (("Meme captions (karim_multimodal_memes)", (test["source"] == MEME_SOURCE).to_numpy()),
                       ("Banglish / romanized rows", romanized(texts))):
        sub = _subset(labels, mask)
        slices[name] = {"rows": int(mask.sum()), "scores": {
            model: task_scores(sub, _subset(p, mask), tasks, _subset(d, mask)) for model, (p, d) in predictions.items()}}
    official = {}
    for name, (origin, task_name) in OFFICIAL_SETS.items():
        rows = official_rows[official_rows["official_test"] == origin]
        task = next((t for t in tasks if t.name == task_name), None)
        if task is None or rows.empty:
            continue
        y = task_labels(rows, (task,))
        found = predict(rows["text"].tolist())
        official[name] = {"rows": int((y[task.name] != IGNORE_INDEX).sum()), "task": task.name, "scores": {
            model: task_scores(y, p, (task,), d)[task.name] for model, (p, d) in found.items()}}
    fused_raw = bundled.proba(test_members, tasks, calibrated=False)
    fused, decided = predictions[FUSED]
    calibration = {t.name: {"temperature": manifest.temperature(t.name),
                            "ece_before": expected_calibration_error(labels[t.name], fused_raw[t.name]),
                            "ece_after": expected_calibration_error(labels[t.name], fused[t.name])} for t in tasks}
    per_class = {}
    for t in tasks:
        if t.kind == "sigmoid":
            per_class[t.name] = scores[FUSED][t.name]["per_label"]
            continue
        known = labels[t.name] != IGNORE_INDEX
        per_class[t.name] = classification_report(labels[t.name][known], decided[t.name][known],
                                                  labels=list(range(t.num_labels)), target_names=list(t.labels),
                                                  output_dict=True, zero_division=0)
    if ocr_readings is not None:  # last: the readings may still be being written when the evaluation starts
        slices.update(_ocr_slice(Path(ocr_readings), test, labels, tasks, predict))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = _plot_confusions(tasks, labels, decided, out) if plots else []
    report = EvaluationReport(classifier.bundle_id, len(test), frozen, [t.name for t in tasks], manifest.fusion,
                              scores, slices, calibration, per_class, official, figures, round(time.time() - started, 1),
                              classifier.inference)
    (out / "report.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    (out / "report.md").write_text(report.markdown())
    return report


def _ocr_slice(readings: Path, test, labels: dict, tasks: tuple[Task, ...], predict) -> dict[str, dict]:
    """The meme test captions as the project's OCR read them from rendered memes and the app would classify them
    (`classified_text`; files written before it existed: the whole `ocr_text`). Rows missing from the file are
    left out; scored like the other slices."""
    read = {}
    for line in readings.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            read[str(row["id"])] = normalize(str(row.get("classified_text", row.get("ocr_text")) or ""))
    ids = row_ids(test)
    mask = np.array([i in read for i in ids]) & (test["source"] == MEME_SOURCE).to_numpy()
    if not mask.any():
        return {}
    found = predict([read[i] for i, m in zip(ids, mask) if m])
    sub = _subset(labels, mask)
    return {OCR_SLICE: {
        "rows": int(mask.sum()), "scores": {model: task_scores(sub, p, tasks, d) for model, (p, d) in found.items()}}}


__all__ = ["EvaluationReport", "evaluate", "romanized"]
