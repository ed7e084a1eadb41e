"""Bundle format 2 on small real slices: the lexical member, three-member fusion, round trips that compare the
model in memory before saving with the loaded one (fp32 and fp16), format 1 still loading, and every kind of
damage refused with a `BundleError` that names the field."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file as load_numpy
from safetensors.numpy import save_file as save_numpy

from banglahate_gui.data import build_corpus
from banglahate_gui.errors import BundleError
from banglahate_gui.model import TASKS, load_bundle
from banglahate_gui.model.schema import IGNORE_INDEX
from banglahate_gui.model.bundle import MEMBER_NAMES, BundleManifest, save_bundle
from banglahate_gui.model.fused import FusedClassifier, fuse_members
from banglahate_gui.model.lexical import LexicalConfig, LexicalMember
from banglahate_gui.data.moderation_labels import task_labels
from banglahate_gui.train.tiny import build_tiny_encoders

SMALL = LexicalConfig(char_features=3000, word_features=1000)


@pytest.fixture(scope="module")
def small_split(data_dir):
    # official test files (BD-SHS, TB-OLID test) go to the heldout split: BanglaHateBERT keeps the train split sizeable
    corpus = build_corpus(data_dir, sources=["blp25_multihate", "bdshs", "tb_olid", "banglahatebert"], limit=250)
    return corpus.subset("train"), corpus.subset("validation")


@pytest.fixture(scope="module")
def lexical(small_split) -> LexicalMember:
    train, _ = small_split
    return LexicalMember.fit(train["text"].tolist(), task_labels(train, TASKS), config=SMALL)


@pytest.fixture(scope="module")
def three(tmp_path_factory, sample_texts, lexical):
    """(in-memory classifier, its manifest, saved fp32 folder, saved fp16 folder)."""
    encoders = build_tiny_encoders(sample_texts, seed=1)
    members = {**encoders, "lexical": lexical}
    fusion = {t.name: {"xlmr": 0.2, "muril": 0.3, "lexical": 0.5} for t in TASKS}
    manifest = BundleManifest("three-test", MEMBER_NAMES, fusion, temperatures={"binary": 1.7, "severity": 0.8},
                              offsets={"binary": [0.0, 0.3]}, max_length=64)
    memory = FusedClassifier(members, manifest, device="cpu")
    root = tmp_path_factory.mktemp("three")
    full = save_bundle(root / "fp32", members, manifest)
    half = save_bundle(root / "fp16", members, manifest, half=True)
    return memory, manifest, full, half


def test_lexical_member_learns_from_real_rows(small_split, lexical):
    _, val = small_split
    proba = lexical.predict_proba(val["text"].tolist())
    y = task_labels(val, TASKS)["binary"]
    accuracy = float((proba["binary"].argmax(1) == y).mean())
    majority = max(np.mean(y == 0), np.mean(y == 1))
    assert accuracy > majority + 0.05, (accuracy, majority)
    for t in TASKS:
        np.testing.assert_allclose(proba[t.name].sum(1), 1.0, atol=1e-5)
    # conditional tasks: P(first class) is P(not hate) from the binary head
    np.testing.assert_allclose(proba["severity"][:, 0], proba["binary"][:, 0], atol=1e-6)


def test_round_trip_fp32_matches_the_model_before_saving(three, sample_texts):
    memory, _, full, _ = three
    loaded = load_bundle(full, device="cpu")
    texts = sample_texts[:60]
    before, after = memory.predict_proba(texts), loaded.predict_proba(texts)
    for t in TASKS:
        np.testing.assert_allclose(after[t.name], before[t.name], atol=1e-6)
    assert [p.to_dict() for p in memory.predict(texts)] == [p.to_dict() for p in loaded.predict(texts)]
    assert {p.suffix for p in full.rglob("*") if p.is_file()} <= {".json", ".safetensors"}


def test_round_trip_fp16_stays_close_to_the_model_before_saving(three, sample_texts):
    memory, _, _, half = three
    loaded = load_bundle(half, device="cpu")
    texts = sample_texts[:60]
    before, after = memory.predict_proba(texts), loaded.predict_proba(texts)
    for t in TASKS:
        np.testing.assert_allclose(after[t.name], before[t.name], atol=5e-3)
    same = np.mean([a.tasks["binary"].label == b.tasks["binary"].label
                    for a, b in zip(memory.predict(texts), loaded.predict(texts))])
    assert same >= 0.95


def test_three_member_fusion_calibration_and_offsets(three, sample_texts):
    memory, manifest, _, _ = three
    texts = sample_texts[:20]
    per = memory.member_proba(texts)
    raw = fuse_members(per, manifest.fusion)
    np.testing.assert_allclose(raw["type"], 0.2 * per["xlmr"]["type"] + 0.3 * per["muril"]["type"]
                               + 0.5 * per["lexical"]["type"], atol=1e-6)
    calibrated = memory.predict_proba(texts)
    expected = np.exp(np.log(raw["binary"]) / 1.7)
    np.testing.assert_allclose(calibrated["binary"], expected / expected.sum(1, keepdims=True), atol=1e-5)
    np.testing.assert_allclose(calibrated["target"], raw["target"], atol=1e-5)  # T = 1 by default
    for pred, p in zip(memory.predict_normalized(texts), calibrated["binary"]):
        assert pred.is_hate == (np.log(p[1]) + 0.3 > np.log(p[0]))


def test_two_member_configuration_reproduces_the_paper(tiny_bundle, sample_texts):
    classifier = load_bundle(tiny_bundle, device="cpu")
    assert classifier.manifest.members == ("xlmr", "muril")
    per = classifier.member_proba(sample_texts[:10])
    fused = classifier.predict_proba(sample_texts[:10])
    for t in TASKS:
        np.testing.assert_allclose(fused[t.name], 0.5 * per["xlmr"][t.name] + 0.5 * per["muril"][t.name], atol=1e-6)


def test_format_1_bundle_still_loads(tiny_bundle, tmp_path, sample_texts):
    bundle = shutil.copytree(tiny_bundle, tmp_path / "v1")
    v1 = {"format": "banglahatenet-bundle/1", "name": "old",
          "tasks": {t.name: {"labels": list(t.labels), "loss_weight": t.loss_weight} for t in TASKS},
          "fusion": {"weight": 0.3, "validation_curve": []}, "max_length": 64, "normalizer_version": "1",
          "encoders": {"xlmr": {"path": "xlmr"}, "muril": {"path": "muril"}}, "provenance": {}}
    (bundle / "bundle.json").write_text(json.dumps(v1))
    classifier = load_bundle(bundle, device="cpu")
    assert classifier.tasks == TASKS  # v1 tasks get the conditional-on-hate rule
    per = classifier.member_proba(sample_texts[:8])
    fused = classifier.predict_proba(sample_texts[:8])
    np.testing.assert_allclose(fused["binary"], 0.3 * per["xlmr"]["binary"] + 0.7 * per["muril"]["binary"], atol=1e-6)


def _edit_manifest(edit):
    def damage(bundle):
        data = json.loads((bundle / "bundle.json").read_text())
        edit(data)
        (bundle / "bundle.json").write_text(json.dumps(data))
    return damage


def _edit_tensors(path: str, edit):
    def damage(bundle):
        tensors = load_numpy(str(bundle / path))
        edit(tensors)
        save_numpy(tensors, str(bundle / path))
    return damage


def _truncate(path: str):
    def damage(bundle):
        data = (bundle / path).read_bytes()
        (bundle / path).write_bytes(data[: len(data) // 2])
    return damage


def _set_config(key, value):
    def damage(bundle):
        config = json.loads((bundle / "xlmr" / "config.json").read_text())
        config[key] = value
        (bundle / "xlmr" / "config.json").write_text(json.dumps(config))
    return damage


def _nan_first(tensors):
    key = sorted(tensors)[0]
    tensors[key] = tensors[key].copy()
    tensors[key].flat[0] = np.nan


def _empty_word_vocabulary(bundle):
    path = bundle / "lexical" / "vocabulary.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))
    vocab["word"] = []
    path.write_text(json.dumps(vocab), encoding="utf-8")


DAMAGE = {
    "weight 7": (_edit_manifest(lambda d: d["fusion"]["binary"].update(xlmr=7.0)), "fusion.binary"),
    "weight -3": (_edit_manifest(lambda d: d["fusion"]["type"].update(xlmr=-3.0, muril=4.0)), "fusion.type"),
    "weight NaN": (_edit_manifest(lambda d: d["fusion"]["binary"].update(xlmr=float("nan"))), "fusion.binary.xlmr"),
    "weights sum 0.9": (_edit_manifest(lambda d: d["fusion"]["target"].update(lexical=0.4)), "fusion.target"),
    "member weight missing": (_edit_manifest(lambda d: d["fusion"]["severity"].pop("muril")), "fusion.severity"),
    "temperature 0": (_edit_manifest(lambda d: d["calibration"]["binary"].update(temperature=0)),
                      "calibration.binary.temperature"),
    "temperature inf": (_edit_manifest(lambda d: d["calibration"]["type"].update(temperature=float("inf"))),
                        "calibration.type.temperature"),
    "offsets length": (_edit_manifest(lambda d: d["decision"]["binary"].update(offsets=[0.0])),
                       "decision.binary.offsets"),
    "max_length 1000": (_edit_manifest(lambda d: d.update(max_length=1000)), "max_length"),
    "max_length 0": (_edit_manifest(lambda d: d.update(max_length=0)), "max_length"),
    "max_length beyond positions": (_edit_manifest(lambda d: d.update(max_length=300)), "max_position_embeddings"),
    "bundle.json a list": (lambda b: (b / "bundle.json").write_text("[1, 2]"), "expected a JSON object"),
    "unknown format": (_edit_manifest(lambda d: d.update(format="banglahatenet-bundle/9")), "format"),
    "unknown member": (_edit_manifest(lambda d: d["members"].update(bert={"path": "bert"})), "members"),
    "member path": (_edit_manifest(lambda d: d["members"]["lexical"].update(path="../elsewhere")), "members.lexical.path"),
    "task kind": (_edit_manifest(lambda d: d["tasks"][1].update(kind="ranking")), "tasks.type.kind"),
    "task condition": (_edit_manifest(lambda d: d["tasks"][2].update(condition={"task": "x", "label": "y"})),
                       "tasks.target.condition"),
    "tasks not a list": (_edit_manifest(lambda d: d.update(tasks=7)), "tasks"),
    "truncated encoder": (_truncate("muril/model.safetensors"), "muril/model.safetensors"),
    "truncated heads": (_truncate("xlmr/heads.safetensors"), "xlmr/heads.safetensors"),
    "truncated lexical": (_truncate("lexical/lexical.safetensors"), "lexical.safetensors"),
    "missing encoder tensor": (_edit_tensors("xlmr/model.safetensors", lambda t: t.pop(sorted(t)[-1])),
                               "xlmr/model.safetensors"),
    "NaN encoder tensor": (_edit_tensors("muril/model.safetensors", _nan_first), "NaN"),
    "missing head": (_edit_tensors("muril/heads.safetensors", lambda t: t.pop("severity_head.bias")),
                     "severity_head.bias"),
    "NaN head": (_edit_tensors("xlmr/heads.safetensors", _nan_first), "NaN"),
    "wrong num_hidden_layers": (_set_config("num_hidden_layers", 3), "xlmr/model.safetensors"),
    "num_hidden_layers 0": (_set_config("num_hidden_layers", 0), "num_hidden_layers"),
    "pad_token_id null": (_set_config("pad_token_id", None), "pad_token_id"),
    "missing lexical tensor": (_edit_tensors("lexical/lexical.safetensors", lambda t: t.pop("type.weight")),
                               "'type.weight' is missing"),
    "NaN lexical tensor": (_edit_tensors("lexical/lexical.safetensors", _nan_first), "NaN"),
    "lexical shape": (_edit_tensors("lexical/lexical.safetensors", lambda t: t.update(idf=t["idf"][:-1])), "idf"),
    "lexical vocabulary not JSON": (lambda b: (b / "lexical" / "vocabulary.json").write_text("{"), "vocabulary"),
    "lexical vocabulary a list": (lambda b: (b / "lexical" / "vocabulary.json").write_text("[]"), "format"),
    "lexical vocabulary empty": (lambda b: _empty_word_vocabulary(b), "word"),
    "lexical file missing": (lambda b: (b / "lexical" / "vocabulary.json").unlink(), "lexical/vocabulary.json"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_bundle_is_a_bundle_error_naming_the_field(three, tmp_path, case):
    _, _, full, _ = three
    damage, expected = DAMAGE[case]
    bundle = shutil.copytree(full, tmp_path / "b")
    damage(bundle)
    with pytest.raises(BundleError, match=expected.replace(".", r"\.").replace("(", r"\(")):
        load_bundle(bundle, device="cpu")


def test_schema_and_data_import_without_torch():
    code = ("import sys; import banglahate_gui.model.schema, banglahate_gui.model.prediction, "
            "banglahate_gui.model.sufficiency, banglahate_gui.data.corpus; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


@pytest.fixture(scope="module")
def six_task_split(data_dir):
    corpus = build_corpus(data_dir, sources=["vitd_blp2023", "multilabel_toxic", "bangla_abusive_comments", "bdshs"],
                          limit=300)
    return corpus.subset("train"), corpus.subset("validation")


def test_six_task_bundle_round_trip_with_a_multilabel_head(tmp_path, sample_texts, six_task_split):
    """A bundle whose schema has violence (softmax) and toxicity (sigmoid): the lexical member learns both from
    real masked rows, fp32 and fp16 saves reload to the in-memory model's predictions, and the schema survives."""
    from banglahate_gui.model.schema import DEFAULT_TASKS

    train, val = six_task_split
    labels = task_labels(train, DEFAULT_TASKS)
    assert (labels["toxicity"] == IGNORE_INDEX).any() and (labels["toxicity"] == 1).any()
    lexical6 = LexicalMember.fit(train["text"].tolist(), labels, DEFAULT_TASKS, config=SMALL)
    members = {**build_tiny_encoders(sample_texts, seed=2, tasks=DEFAULT_TASKS), "lexical": lexical6}
    manifest = BundleManifest("six-test", MEMBER_NAMES, tasks=DEFAULT_TASKS, temperatures={"toxicity": 1.5},
                              offsets={"toxicity": [0.0, 0.0, 0.0, 0.5, 0.0, 0.0]}, max_length=64)
    memory = FusedClassifier(members, manifest, device="cpu")
    texts = val["text"].tolist()[:60]
    before = memory.predict_proba(texts)
    assert before["toxicity"].shape == (60, 6) and not np.allclose(before["toxicity"].sum(1), 1.0)
    np.testing.assert_allclose(before["violence"].sum(1), 1.0, atol=1e-5)
    for half, atol in ((False, 1e-6), (True, 5e-3)):
        loaded = load_bundle(save_bundle(tmp_path / f"six-{half}", members, manifest, half=half), device="cpu")
        assert loaded.tasks == DEFAULT_TASKS
        after = loaded.predict_proba(texts)
        for t in DEFAULT_TASKS:
            np.testing.assert_allclose(after[t.name], before[t.name], atol=atol)
    for pred, p in zip(memory.predict_normalized(texts), before["toxicity"]):
        on = [lab for lab, q, off in zip(DEFAULT_TASKS[-1].labels, p, [0, 0, 0, 0.5, 0, 0])
              if np.log(q) + off >= np.log(0.5)]
        assert pred.tasks["toxicity"].label == ("+".join(on) or "none")
    # the lexical member alone beats chance on violence (VITD rows only)
    y = task_labels(val, DEFAULT_TASKS)["violence"]
    known = y != IGNORE_INDEX
    proba = lexical6.predict_proba(val["text"].tolist())["violence"]
    assert (proba[known].argmax(1) == y[known]).mean() > max(np.bincount(y[known]) / known.sum())
