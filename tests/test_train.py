"""Training side: the recipe's pieces and a tiny end-to-end run whose loss goes down."""

import json

import numpy as np
import pytest
import torch

from banglahate_gui.model import TASKS, load_bundle
from banglahate_gui.model.schema import IGNORE_INDEX, task
from banglahate_gui.train.batches import encode
from banglahate_gui.train.fusion import search_fusion_weight
from banglahate_gui.train.losses import MultiTaskLoss, inverse_frequency_weights, mask_auxiliary
from banglahate_gui.train.mlm import mask_tokens


def test_inverse_frequency_weights():
    labels = np.array([0, 0, 0, 1, IGNORE_INDEX, IGNORE_INDEX])
    w = inverse_frequency_weights(labels, task("binary"))
    np.testing.assert_allclose(w.numpy(), [4 / (2 * 3), 4 / (2 * 1)])
    w = inverse_frequency_weights(np.array([1, 1, 3]), task("severity"))
    np.testing.assert_allclose(w.numpy(), [0, 3 / (2 * 2), 0, 3 / (2 * 1)])


def test_auxiliary_labels_masked_for_non_hate():
    labels = {"binary": np.array([0, 1, 1]), "type": np.array([0, 2, IGNORE_INDEX]),
              "target": np.array([0, 1, 3]), "severity": np.array([0, IGNORE_INDEX, 3])}
    masked = mask_auxiliary(labels)
    assert masked["type"].tolist() == [IGNORE_INDEX, 2, IGNORE_INDEX]
    assert masked["target"].tolist() == [IGNORE_INDEX, 1, 3]
    assert masked["binary"].tolist() == [0, 1, 1]
    assert labels["type"].tolist() == [0, 2, IGNORE_INDEX]  # input untouched


def test_loss_weights_and_all_masked_tasks():
    ones = {t.name: torch.ones(t.num_labels) for t in TASKS}
    loss_fn = MultiTaskLoss(ones)
    logits = {t.name: torch.zeros(2, t.num_labels) for t in TASKS}
    labels = {"binary": torch.tensor([0, 1]), "type": torch.tensor([IGNORE_INDEX, IGNORE_INDEX]),
              "target": torch.tensor([IGNORE_INDEX, 1]), "severity": torch.tensor([IGNORE_INDEX, 2])}
    expected = 1.5 * np.log(2) + np.log(5) + np.log(4)  # the all-masked type task adds nothing (not NaN)
    assert loss_fn(logits, labels).item() == pytest.approx(expected, rel=1e-5)


def test_fusion_search_finds_the_better_weight():
    labels = {t.name: np.array([0, 1, 0, 1]) for t in TASKS}
    good = {t.name: np.eye(t.num_labels)[[0, 1, 0, 1]] for t in TASKS}
    bad = {t.name: np.eye(t.num_labels)[[1, 0, 1, 0]] for t in TASKS}
    weight, curve = search_fusion_weight(labels, good, bad)
    assert weight >= 0.6 and len(curve) == 9
    weight, _ = search_fusion_weight(labels, bad, good)
    assert weight <= 0.4


def test_mlm_masking_rate_and_specials():
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(10, 100, (64, 40))
    ids[:, 0], ids[:, -1] = 1, 2
    mask = torch.ones_like(ids)
    inputs, selected = mask_tokens(ids, mask, torch.tensor([1, 2]), 3, 100, gen)
    assert not selected[:, 0].any() and not selected[:, -1].any()
    assert 0.12 < selected.float().mean().item() < 0.18
    assert (inputs[selected] == 3).float().mean().item() > 0.7


@pytest.mark.slow
def test_tiny_training_run_end_to_end(data_dir, tmp_path):
    """A few hundred real rows per source, the tiny preset: loss goes down, the bundle loads and predicts."""
    from banglahate_gui.train.run import train_bundle

    logs = []
    out = train_bundle("tiny", data_dir, tmp_path / "bundle", work_dir=tmp_path / "work", limit=150, epochs=3,
                       device="cpu", log=logs.append)
    report = json.loads((tmp_path / "work" / "train_report.json").read_text())
    for name in ("xlmr", "muril"):
        history = report["encoders"][name]["history"]
        assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert (tmp_path / "work" / "checkpoints" / "xlmr.pt").is_file()
    curve = report["fusion_curve"]
    assert [c["weight"] for c in curve] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    classifier = load_bundle(out, device="cpu")
    assert classifier.fusion_weight == report["fusion_weight"]
    preds = classifier.predict(["tui ekta kharap lok", "আজ আবহাওয়া ভালো"])
    assert len(preds) == 2 and all(0 <= p.hate_probability <= 1 for p in preds)

    # Resuming reuses the saved tokenizers and checkpoints instead of training from scratch.
    logs.clear()
    train_bundle("tiny", data_dir, tmp_path / "again", work_dir=tmp_path / "work", limit=150, epochs=3,
                 device="cpu", log=logs.append)
    assert any("resuming with the tokenizer" in line for line in logs)

    from banglahate_gui.train.evaluate import evaluate

    report = evaluate(out, data_dir, tmp_path / "evaluation", device="cpu", limit=150)
    assert set(report.scores) == {"TF-IDF char n-grams + LR", "XLM-R family alone", "MuRIL family alone",
                                  "BanglaHateNet fused"}
    markdown = (tmp_path / "evaluation" / "report.md").read_text()
    assert "| BanglaHateNet fused |" in markdown and "Fused, severity, per class:" in markdown
    assert all((tmp_path / "evaluation" / f).stat().st_size > 0 for f in report.figures)
    assert len(report.figures) == 5


def test_encode_truncates_to_max_length(tiny_bundle):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_bundle / "muril"))
    enc = encode(tok, ["ক " * 500, "ছোট"], max_length=16)
    assert len(enc.ids[0]) == 16 and enc.ids[0][0] == tok.cls_token_id and enc.ids[0][-1] == tok.sep_token_id
