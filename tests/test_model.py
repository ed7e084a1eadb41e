"""BanglaHateNet model code on tiny real models: bundle round trip, fusion math, conditional tasks, errors."""

import json
import shutil

import numpy as np
import pytest
import torch

from banglahate_gui.errors import BundleError
from banglahate_gui.model import TASKS, fuse, load_bundle
from banglahate_gui.model.conditional import compose_conditional
from banglahate_gui.model.device import resolve_device
from banglahate_gui.model.multitask import MultiTaskEncoder, family_of


@pytest.fixture(scope="module")
def classifier(tiny_bundle):
    return load_bundle(tiny_bundle, device="cpu")


def test_round_trip_gives_identical_probabilities(tiny_bundle, classifier, sample_texts, tmp_path):
    copy = shutil.copytree(tiny_bundle, tmp_path / "copy")
    again = load_bundle(copy, device="cpu")
    texts = sample_texts[:40]
    a, b = classifier.predict_proba(texts), again.predict_proba(texts)
    for t in TASKS:
        assert a[t.name].shape == (40, t.num_labels)
        np.testing.assert_allclose(a[t.name].sum(axis=1), 1.0, atol=1e-5)
        np.testing.assert_array_equal(a[t.name], b[t.name])


def test_batching_and_order_do_not_change_results(classifier, sample_texts):
    texts = sample_texts[:30]
    together = classifier.predict_proba(texts, batch_size=7)
    alone = [classifier.predict_proba([t], batch_size=1) for t in texts]
    for t in TASKS:
        np.testing.assert_allclose(together[t.name], np.vstack([a[t.name] for a in alone]), atol=1e-5)


def test_fused_is_the_weighted_mean_of_the_encoders(classifier, sample_texts):
    texts = sample_texts[:10]
    per = classifier.member_proba(texts)
    fused = classifier.predict_proba(texts)
    for t in TASKS:
        w = classifier.fusion_weight[t.name]["xlmr"]
        np.testing.assert_allclose(fused[t.name], w * per["xlmr"][t.name] + (1 - w) * per["muril"][t.name], atol=1e-6)


def test_fuse_hand_computed():
    p_x = {"binary": np.array([[0.2, 0.8]])}
    p_m = {"binary": np.array([[0.6, 0.4]])}
    np.testing.assert_allclose(fuse(p_x, p_m, 0.5)["binary"], [[0.4, 0.6]])
    np.testing.assert_allclose(fuse(p_x, p_m, 0.25)["binary"], [[0.5, 0.5]])
    np.testing.assert_allclose(fuse(p_x, p_m, 0.9)["binary"], [[0.24, 0.76]])


def test_auxiliary_tasks_are_conditional_on_hate():
    logits = {"binary": torch.tensor([[0.0, np.log(3.0)]]),  # P(hate) = 0.75
              "type": torch.tensor([[5.0, 0.0, 0.0, 0.0, np.log(3.0)]])}
    p = compose_conditional(logits)
    np.testing.assert_allclose(p["binary"].numpy(), [[0.25, 0.75]], atol=1e-6)
    # the head's own "not_hate" logit is ignored: P(not_hate) comes from the binary head
    np.testing.assert_allclose(p["type"].numpy(), [[0.25, 0.75 / 6, 0.75 / 6, 0.75 / 6, 0.75 / 2]], atol=1e-6)


def test_predict_returns_labelled_predictions(classifier):
    pred = classifier.predict(["  তুই একটা  খারাপ মানুষ!!!!  "])[0]
    assert pred.text == "তুই একটা খারাপ মানুষ!!"
    assert set(pred.tasks) == {"binary", "type", "target", "severity"}
    for t in TASKS:
        tp = pred.tasks[t.name]
        assert tp.label in t.labels and tp.label == max(tp.probabilities, key=tp.probabilities.get)
    assert json.loads(json.dumps(pred.to_dict()))["tasks"]["binary"]["label"] in ("hate", "not_hate")


def test_bundle_manifest_content(tiny_bundle, classifier):
    manifest = json.loads((tiny_bundle / "bundle.json").read_text())
    severity = next(t for t in manifest["tasks"] if t["name"] == "severity")
    assert severity["labels"] == ["none", "low", "medium", "high"] and severity["kind"] == "softmax"
    assert severity["condition"] == {"task": "binary", "label": "hate"}
    assert manifest["format"] == "banglahatenet-bundle/2" and manifest["max_length"] == 64
    assert manifest["fusion"]["binary"] == {"xlmr": 0.5, "muril": 0.5} and set(manifest["members"]) == {"xlmr", "muril"}
    assert classifier.bundle_id.startswith("tiny-test@")
    assert family_of(tiny_bundle / "xlmr") == "xlm-roberta" and family_of(tiny_bundle / "muril") == "bert"


def test_encoder_loads_from_a_plain_transformers_folder(tiny_bundle, tmp_path):
    """A Hugging Face-style folder without heads (e.g. a downloaded xlm-roberta-base) gets fresh heads."""
    folder = shutil.copytree(tiny_bundle / "xlmr", tmp_path / "plain")
    (folder / "heads.safetensors").unlink()
    model = MultiTaskEncoder.from_pretrained(folder)
    assert {k: v.out_features for k, v in model.heads.items()} == {
        "binary_head": 2, "type_head": 5, "target_head": 5, "severity_head": 4}


@pytest.mark.parametrize("damage, expected", [
    (lambda b: shutil.rmtree(b), "not found"),
    (lambda b: (b / "bundle.json").unlink(), "bundle.json is missing"),
    (lambda b: (b / "bundle.json").write_text("{not json"), "not valid JSON"),
    (lambda b: (b / "muril" / "model.safetensors").unlink(), "muril/model.safetensors"),
    (lambda b: shutil.rmtree(b / "xlmr"), "xlmr/config.json"),
])
def test_wrong_or_partial_bundle_is_a_clear_error(tiny_bundle, tmp_path, damage, expected):
    bundle = shutil.copytree(tiny_bundle, tmp_path / "b")
    damage(bundle)
    with pytest.raises(BundleError, match=expected):
        load_bundle(bundle, device="cpu")


def test_normalizer_mismatch_is_refused(tiny_bundle, tmp_path):
    bundle = shutil.copytree(tiny_bundle, tmp_path / "b")
    manifest = json.loads((bundle / "bundle.json").read_text())
    manifest["normalizer_version"] = "0"
    (bundle / "bundle.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="normalizer"):
        load_bundle(bundle, device="cpu")


def test_no_pickle_in_bundle(tiny_bundle):
    files = {p.suffix for p in tiny_bundle.rglob("*") if p.is_file()}
    assert files <= {".json", ".safetensors"}


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            resolve_device("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fp16_matches_cpu(tiny_bundle, classifier, sample_texts):
    gpu = load_bundle(tiny_bundle, device="cuda")
    a, b = classifier.predict_proba(sample_texts[:16]), gpu.predict_proba(sample_texts[:16])
    for t in TASKS:
        np.testing.assert_allclose(a[t.name], b[t.name], atol=2e-2)
