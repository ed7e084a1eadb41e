"""`banglahate evaluate`: the held-out test split, per task, for each encoder, the fusion and a TF-IDF baseline."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix

from banglahate_gui.data.corpus import build_corpus
from banglahate_gui.model import fuse, load_bundle
from banglahate_gui.model.schema import IGNORE_INDEX, TASKS
from banglahate_gui.resources import default_bundle_dir
from banglahate_gui.train.baseline import TfidfBaseline
from banglahate_gui.train.fusion import search_fusion_weight
from banglahate_gui.train.metrics import mean_weighted_f1, task_scores
from banglahate_gui.train.run import split_labels

REFERENCE = {"binary": 0.848, "type": 0.699, "target": 0.705, "severity": 0.727}
"""Weighted F1 of the reference system (its own test set, base encoders on a GPU)."""


@dataclass
class EvaluationReport:
    bundle_id: str
    test_rows: int
    fusion_weight: float
    scores: dict[str, dict]  # model → task → metrics
    per_class: dict[str, dict]  # task → classification_report of the fused model
    test_fusion_curve: list[dict]
    figures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return self.__dict__.copy()

    def markdown(self) -> str:
        tasks = [t.name for t in TASKS]
        lines = [f"Test split: {self.test_rows} rows; bundle `{self.bundle_id}`, fusion w = {self.fusion_weight}.", "",
                 "| model | " + " | ".join(f"{t} wF1" for t in tasks) + " | mean wF1 | " +
                 " | ".join(f"{t} mF1" for t in tasks) + " |",
                 "|---" * (2 * len(tasks) + 2) + "|"]
        for model, scores in self.scores.items():
            lines.append(f"| {model} | " + " | ".join(f"{scores[t]['weighted_f1']:.3f}" for t in tasks)
                         + f" | {mean_weighted_f1(scores):.3f} | "
                         + " | ".join(f"{scores[t]['macro_f1']:.3f}" for t in tasks) + " |")
        lines.append("| reference (paper, own test set) | " + " | ".join(f"{REFERENCE[t]:.3f}" for t in tasks)
                     + f" | {np.mean(list(REFERENCE.values())):.3f} |" + " – |" * len(tasks))
        lines += ["", "Accuracy (rows with a known label):", "",
                  "| model | " + " | ".join(f"{t} (n={next(iter(self.scores.values()))[t]['support']})"
                                          for t in tasks) + " |", "|---" * (len(tasks) + 1) + "|"]
        for model, scores in self.scores.items():
            lines.append(f"| {model} | " + " | ".join(f"{scores[t]['accuracy']:.3f}" for t in tasks) + " |")
        for t in tasks:
            lines += ["", f"Fused, {t}, per class:", "", "| class | precision | recall | F1 | support |",
                      "|---|---:|---:|---:|---:|"]
            for label, m in self.per_class[t].items():
                if isinstance(m, dict) and label not in ("macro avg", "weighted avg"):
                    lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1-score']:.3f} | "
                                 f"{int(m['support'])} |")
        return "\n".join(lines) + "\n"


def _plot_confusions(labels: dict, proba: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for t in TASKS:
        known = labels[t.name] != IGNORE_INDEX
        matrix = confusion_matrix(labels[t.name][known], proba[t.name][known].argmax(1), labels=range(t.num_labels),
                                  normalize="true")
        fig, ax = plt.subplots(figsize=(4.5, 4))
        ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(t.num_labels), t.labels, rotation=45, ha="right")
        ax.set_yticks(range(t.num_labels), t.labels)
        for (i, j), v in np.ndenumerate(matrix):
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


def _plot_fusion(validation: list[dict], test: list[dict], out: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    for curve, name in ((validation, "validation"), (test, "test")):
        if curve:
            ax.plot([c["weight"] for c in curve], [c["mean_weighted_f1"] for c in curve], marker="o", label=name)
    ax.set_xlabel("w (XLM-R family weight)")
    ax.set_ylabel("mean weighted F1 (4 tasks)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "fusion_curve.png", dpi=110)
    plt.close(fig)
    return "fusion_curve.png"


def evaluate(bundle: Path | None, data_dir: Path, out_dir: Path, device: str = "auto",
             limit: int | None = None) -> EvaluationReport:
    """Score the bundle on the corpus's test split; write report.md, report.json and the figures to `out_dir`.

    `limit` (rows per source file) must match the one the bundle was trained with, or the split differs.
    """
    started = time.time()
    classifier = load_bundle(bundle or default_bundle_dir(), device)
    corpus = build_corpus(data_dir, limit=limit)
    train, test = corpus.subset("train"), corpus.subset("test")
    texts, labels = test["text"].tolist(), split_labels(test)
    per_encoder = classifier.encoder_proba(texts)
    fused = fuse(per_encoder["xlmr"], per_encoder["muril"], classifier.fusion_weight)
    baseline = TfidfBaseline().fit(train["text"].tolist(), split_labels(train)).predict_proba(texts)
    scores = {"TF-IDF char n-grams + LR": task_scores(labels, baseline),
              "XLM-R family alone": task_scores(labels, per_encoder["xlmr"]),
              "MuRIL family alone": task_scores(labels, per_encoder["muril"]),
              "BanglaHateNet fused": task_scores(labels, fused)}
    per_class = {}
    for t in TASKS:
        known = labels[t.name] != IGNORE_INDEX
        per_class[t.name] = classification_report(labels[t.name][known], fused[t.name][known].argmax(1),
                                                  labels=list(range(t.num_labels)), target_names=list(t.labels),
                                                  output_dict=True, zero_division=0)
    _, test_curve = search_fusion_weight(labels, per_encoder["xlmr"], per_encoder["muril"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = _plot_confusions(labels, fused, out) + [_plot_fusion(classifier.manifest.fusion_curve, test_curve, out)]
    report = EvaluationReport(classifier.bundle_id, len(test), classifier.fusion_weight, scores, per_class,
                              test_curve, figures, round(time.time() - started, 1))
    (out / "report.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    (out / "report.md").write_text(report.markdown())
    return report
