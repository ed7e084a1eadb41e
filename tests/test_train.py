"""Training side: the recipe's pieces and a tiny end-to-end run whose loss goes down."""

import json

import numpy as np
import pytest
import torch

from banglahate_gui.model import TASKS, load_bundle
from banglahate_gui.model.schema import DEFAULT_TASKS, IGNORE_INDEX, task
from banglahate_gui.train.batches import encode
from banglahate_gui.model.calibration import apply_temperature
from banglahate_gui.train.calibration import expected_calibration_error, fit_temperature
from banglahate_gui.train.fusion import fit_combination, simplex_grid
from banglahate_gui.train.losses import MultiTaskLoss, inverse_frequency_weights, mask_conditional
from banglahate_gui.train.mlm import mask_tokens


def test_inverse_frequency_weights():
    labels = np.array([0, 0, 0, 1, IGNORE_INDEX, IGNORE_INDEX])
    w = inverse_frequency_weights(labels, task("binary"))
    np.testing.assert_allclose(w.numpy(), [4 / (2 * 3), 4 / (2 * 1)])
    w = inverse_frequency_weights(np.array([1, 1, 3]), task("severity"))
    np.testing.assert_allclose(w.numpy(), [0, 3 / (2 * 2), 0, 3 / (2 * 1)])


def test_conditional_labels_masked_where_the_condition_fails():
    labels = {"binary": np.array([0, 1, 1]), "type": np.array([0, 2, IGNORE_INDEX]),
              "target": np.array([0, 1, 3]), "severity": np.array([0, IGNORE_INDEX, 3])}
    masked = mask_conditional(labels)
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


def test_simplex_grid_covers_the_simplex():
    grid = simplex_grid(3, 0.05)
    assert len(grid) == 231 and all(abs(sum(p) - 1) < 1e-9 and min(p) >= 0 for p in grid)
    assert (1.0, 0.0, 0.0) in grid and (0.0, 0.0, 1.0) in grid


def test_fusion_search_puts_the_weight_on_the_informative_member():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    labels = {t.name: np.where(y == 1, rng.integers(1, t.num_labels, 400), 0) if t.name != "binary" else y
              for t in TASKS}
    good = {t.name: np.eye(t.num_labels)[labels[t.name]] * 0.8 + 0.2 / t.num_labels for t in TASKS}
    noise = {t.name: rng.dirichlet(np.ones(t.num_labels), 400) for t in TASKS}
    combo = fit_combination(("a", "b", "c"), {"a": noise, "b": good, "c": noise}, labels)
    for t in TASKS:
        assert combo.fusion[t.name]["b"] >= 0.5 and sum(combo.fusion[t.name].values()) == pytest.approx(1.0)
        assert combo.validation[t.name]["weighted_f1"] > 0.95


def test_temperature_scaling_undoes_overconfidence():
    """Labels drawn from softmax(z); the model reports softmax(3z): the fitted T is about 3 and ECE drops."""
    rng = np.random.default_rng(1)
    z = rng.normal(0, 1.5, (4000, 4))
    true = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    y = np.array([rng.choice(4, p=p) for p in true])
    sharp = np.exp(3 * z) / np.exp(3 * z).sum(1, keepdims=True)
    temperature = fit_temperature(y, sharp)
    assert 2.6 < temperature < 3.4
    calibrated = apply_temperature(sharp, temperature)
    assert expected_calibration_error(y, calibrated) < 0.03 < expected_calibration_error(y, sharp)
    assert expected_calibration_error(np.array([0, 1]), np.array([[1.0, 0.0], [0.0, 1.0]])) == 0.0


def test_decision_offsets_recover_a_rare_class():
    """A rare class the argmax never picks: the tuned offset makes it predicted and raises macro F1."""
    rng = np.random.default_rng(2)
    y = np.where(rng.random(2000) < 0.08, 1, 0)
    p1 = np.clip(0.3 * y + rng.normal(0.15, 0.08, 2000), 0.01, 0.49)
    proba = np.stack([1 - p1, p1], axis=1)
    assert (proba.argmax(1) == 1).sum() == 0
    combo = fit_combination(("m",), {"m": {"binary": proba}}, {"binary": y}, tasks=(task("binary"),))
    assert combo.offsets["binary"][1] > 0
    assert combo.validation["binary"]["macro_f1"] > 0.6


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
    """A few hundred real rows per source, the tiny preset (whole-word MLM, six tasks, OCR noise): loss goes
    down, the bundle loads and predicts every task, and a second run resumes every stage from the work dir."""
    from banglahate_gui.train.run import train_bundle

    logs = []
    out = train_bundle("tiny", data_dir, tmp_path / "bundle", work_dir=tmp_path / "work", limit=150, epochs=3,
                       device="cpu", members=("xlmr", "muril"), log=logs.append)
    report = json.loads((tmp_path / "work" / "train_report.json").read_text())
    for name in ("xlmr", "muril"):
        history = report["encoders"][name]["history"]
        assert history[-1]["train_loss"] < history[0]["train_loss"]
    history_before = report["encoders"]["xlmr"]["history"]
    assert (tmp_path / "work" / "checkpoints" / "xlmr.pt").is_file()
    assert report["encoders"]["xlmr"]["mlm_masking"] == "whole-word"
    assert len(report["encoders"]["xlmr"]["mlm_heldout_loss"]) >= 2
    assert set(report["combinations"]) == {"xlmr", "muril", "xlmr+muril"}
    classifier = load_bundle(out, device="cpu")
    assert classifier.manifest.members == ("xlmr", "muril")
    assert classifier.fusion_weight == report["chosen"]["fusion"]
    assert [t.name for t in classifier.tasks] == ["binary", "type", "target", "severity", "violence", "toxicity"]
    preds = classifier.predict(["tui ekta kharap lok", "আজ আবহাওয়া ভালো"])
    assert len(preds) == 2 and all(0 <= p.hate_probability <= 1 for p in preds)
    assert all(len(p.tasks["toxicity"].probabilities) == 6 for p in preds)

    # Resuming reuses the saved tokenizers and checkpoints instead of training from scratch.
    logs.clear()
    train_bundle("tiny", data_dir, tmp_path / "again", work_dir=tmp_path / "work", limit=150, epochs=3,
                 device="cpu", members=("xlmr", "muril"), log=logs.append)
    assert any("resuming with the tokenizer" in line for line in logs)
    assert any("masked-LM weights reused" in line for line in logs)
    again = json.loads((tmp_path / "work" / "train_report.json").read_text())
    assert again["encoders"]["xlmr"]["history"] == history_before  # kept in the checkpoint


@pytest.mark.slow
def test_encoders_from_an_existing_bundle_plus_the_lexical_member(data_dir, tiny_bundle, tmp_path, monkeypatch):
    """`--encoders-from`: the encoders are reused unchanged, the lexical member is trained, the per-task
    fusion over three members is fitted on validation; `evaluate` reports every member, pair and the fusion."""
    from banglahate_gui.train.evaluate import FUSED, evaluate
    from banglahate_gui.train.run import train_bundle

    logs = []
    out = train_bundle("tiny", data_dir, tmp_path / "bundle", work_dir=tmp_path / "work", limit=150, device="cpu",
                       encoders_from=tiny_bundle, log=logs.append)
    assert any("reusing the encoders" in line for line in logs) and not (tmp_path / "work" / "checkpoints").exists()
    classifier, source = load_bundle(out, device="cpu"), load_bundle(tiny_bundle, device="cpu")
    assert classifier.manifest.members == ("xlmr", "muril", "lexical")
    for name in ("xlmr/model.safetensors", "xlmr/tokenizer.json", "muril/heads.safetensors", "muril/config.json"):
        assert (out / name).read_bytes() == (tiny_bundle / name).read_bytes(), name  # copied, not re-serialized
    texts = ["tui ekta kharap lok", "আজ আবহাওয়া ভালো"]
    np.testing.assert_allclose(classifier.member_proba(texts)["muril"]["binary"],
                               source.member_proba(texts)["muril"]["binary"], atol=1e-6)
    for t in TASKS:
        weights = classifier.fusion_weight[t.name]
        assert set(weights) == {"xlmr", "muril", "lexical"} and sum(weights.values()) == pytest.approx(1.0)
        assert classifier.manifest.temperature(t.name) > 0
    report = json.loads((tmp_path / "work" / "train_report.json").read_text())
    assert len(report["combinations"]) == 7
    assert report["chosen"]["validation"]["binary"]["ece_after"] >= 0

    monkeypatch.setenv("BANGLAHATE_INFERENCE", "onnx")  # what the app would use: the scores stay PyTorch's
    evaluation = evaluate(out, data_dir, tmp_path / "evaluation", device="cpu", limit=150, plots=False)
    assert evaluation.inference == "torch"
    assert not evaluation.frozen_split  # --limit gives another split than the frozen one
    assert set(evaluation.scores) == {"TF-IDF char n-grams + LR", "xlmr alone", "muril alone", "lexical alone",
                                      "xlmr + muril", "xlmr + lexical", "muril + lexical", FUSED}
    assert set(evaluation.calibration["severity"]) == {"temperature", "ece_before", "ece_after"}
    assert evaluation.slices["Banglish / romanized rows"]["rows"] > 50
    markdown = (tmp_path / "evaluation" / "report.md").read_text()
    assert f"| {FUSED} |" in markdown and "Macro F1:" in markdown and "ECE before" in markdown

    paper = train_bundle("tiny", data_dir, tmp_path / "paper", work_dir=tmp_path / "work2", limit=150, device="cpu",
                         encoders_from=tiny_bundle, members=("xlmr", "muril"), log=logs.append)
    assert load_bundle(paper, device="cpu").manifest.members == ("xlmr", "muril")
    assert not (paper / "lexical").exists()


def test_encode_truncates_to_max_length(tiny_bundle):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_bundle / "muril"))
    enc = encode(tok, ["ক " * 500, "ছোট"], max_length=16)
    assert len(enc.ids[0]) == 16 and enc.ids[0][0] == tok.cls_token_id and enc.ids[0][-1] == tok.sep_token_id


def test_multilabel_loss_masks_unknown_labels_and_weights_positives():
    """A sigmoid task: masked entries add nothing; a label's positive weight is negatives/positives (capped)."""
    toxicity = task("toxicity", DEFAULT_TASKS)
    y = np.array([[1, 1, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [IGNORE_INDEX] * 6])
    pos_weight = inverse_frequency_weights(y, toxicity)
    assert pos_weight[0].item() == pytest.approx(2.0)  # 2 negatives / 1 positive
    assert pos_weight[1].item() == pytest.approx(1.0)  # more positives than negatives: no down-weighting
    assert pos_weight[2].item() == pytest.approx(3.0)  # never positive: 3 negatives / max(0, 1)
    loss_fn = MultiTaskLoss({"toxicity": torch.ones(6)}, (toxicity,))
    labels = torch.tensor([[1, 0, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]])
    logits = torch.tensor([[2.0, -1.0, 50.0, -50.0, 50.0, 50.0]])  # the masked entries would dominate if counted
    expected = (np.log1p(np.exp(-2.0)) + np.log1p(np.exp(-1.0))) / 2
    assert loss_fn({"toxicity": logits}, {"toxicity": labels}).item() == pytest.approx(expected, rel=1e-5)
    all_masked = torch.full((1, 6), IGNORE_INDEX)
    assert loss_fn({"toxicity": logits}, {"toxicity": all_masked}).item() == 0.0


def test_whole_word_masking_masks_every_piece_of_a_chosen_word():
    """Pieces 10-19 start words, 20-29 continue them: a selected continuation always has its word selected."""
    gen = torch.Generator().manual_seed(0)
    starts = torch.zeros(40, dtype=torch.bool)
    starts[:20] = True
    ids = torch.tensor([[1] + [10 + i % 10 if i % 3 == 0 else 20 + i % 10 for i in range(30)] + [2]] * 64)
    mask = torch.ones_like(ids)
    inputs, selected = mask_tokens(ids, mask, torch.tensor([1, 2]), 3, 40, gen, word_starts=starts)
    assert not selected[:, 0].any() and not selected[:, -1].any()
    word = (starts[ids] | torch.isin(ids, torch.tensor([1, 2]))).long().cumsum(1)
    for row in range(ids.shape[0]):
        for w in word[row].unique():
            pieces = selected[row][word[row] == w]
            assert pieces.all() or not pieces.any()  # a word is masked whole or not at all
    assert 0.08 < selected[:, 1:-1].float().mean().item() < 0.25


def test_word_start_table_for_both_tokenizer_families(sample_texts):
    from banglahate_gui.train.mlm import word_start_table
    from banglahate_gui.train.tokenizers import train_unigram_tokenizer, train_wordpiece_tokenizer

    for train_tok, text in ((train_unigram_tokenizer, "আমি তোমাকে ভালোবাসি"), (train_wordpiece_tokenizer, "আমি তোমাকে")):
        tokenizer = train_tok(sample_texts, 300)
        table = word_start_table(tokenizer)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        words = int(table[torch.tensor(ids)].sum())
        assert words == len(text.split())  # one word start per whitespace word


def test_multilabel_fusion_weights_temperature_and_per_label_thresholds():
    """Member b knows the labels, a is noise: weight on b; a rare label gets a threshold below 0.5."""
    rng = np.random.default_rng(3)
    toxicity = task("toxicity", DEFAULT_TASKS)
    y = (rng.random((1500, 6)) < [0.3, 0.2, 0.1, 0.05, 0.2, 0.3]).astype(np.int64)
    y[:300, 3:] = IGNORE_INDEX  # rows that only know three labels
    clean = np.where(y == IGNORE_INDEX, 0, y)
    good = np.clip(0.15 + 0.5 * clean + rng.normal(0, 0.1, y.shape), 0.01, 0.99)
    good[:, 3] = np.clip(0.1 + 0.3 * clean[:, 3] + rng.normal(0, 0.05, 1500), 0.01, 0.99)  # never reaches 0.5
    noise = rng.random(y.shape)
    combo = fit_combination(("a", "b"), {"a": {"toxicity": noise}, "b": {"toxicity": good}}, {"toxicity": y},
                            (toxicity,))
    assert combo.fusion["toxicity"]["b"] >= 0.7
    assert combo.offsets["toxicity"][3] > 0  # threshold 0.5·exp(-offset) < 0.5 for the under-confident label
    assert combo.validation["toxicity"]["macro_f1"] > combo.validation["toxicity"]["macro_f1_at_half"]
    assert combo.temperatures["toxicity"] > 0
