"""The shipped default model: present, small, loads safely, classifies out of the box, CLI uses it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import f1_score

from banglahate_gui.model import read_manifest
from banglahate_gui.pipeline import Moderator
from banglahate_gui.resources import default_bundle_dir

BUNDLE = default_bundle_dir()


def test_shipped_bundle_is_complete_and_within_budget():
    manifest = read_manifest(BUNDLE)  # raises a BundleError naming what is missing
    assert manifest.name == "banglahatenet-mini"
    assert manifest.format == "banglahatenet-bundle/2" and manifest.members == ("xlmr", "muril", "lexical")
    for task in manifest.tasks:
        assert sum(manifest.fusion[task.name].values()) == pytest.approx(1.0)
        assert 0.2 < manifest.temperature(task.name) < 5
    assert manifest.provenance["command"] == "banglahate train --preset mini --members xlmr,muril,lexical --seed 42"
    assert [t.name for t in manifest.tasks] == ["binary", "type", "target", "severity", "violence", "toxicity"]
    for name in ("xlmr", "muril"):  # the encoders were pre-trained in the same run, not reused
        assert manifest.provenance["encoders"][name]["mlm_masking"] == "whole-word"
        assert manifest.provenance["encoders"][name]["mlm_epochs"] >= 3
    files = [p for p in BUNDLE.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 60 * 2**20
    assert not [p for p in files if p.suffix in {".bin", ".pt", ".pth", ".pkl"}], "weights must be safetensors"
    assert (BUNDLE / "MODEL_CARD.md").is_file()


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator.load(device="cpu")


def test_default_bundle_separates_hate_on_labelled_lines(moderator, data_dir):
    """A smoke check that the shipped weights are trained (random weights score ~0.5), not an evaluation:
    these BD-SHS lines may sit in any split of our corpus. `banglahate evaluate` is the evaluation."""
    with open(data_dir / "bdshs" / "test.csv", encoding="utf-8") as f:
        rows = [row for _, row in zip(range(300), csv.DictReader(f))]
    gold = np.array([int(row["hate speech"]) for row in rows])
    predictions = moderator.classify([row["sentence"] for row in rows])
    predicted = np.array([int(p.tasks["binary"].label == "hate") for p in predictions])
    assert len(set(gold)) == 2
    assert f1_score(gold, predicted, average="weighted") > 0.7


def test_shipped_model_does_not_judge_texts_with_nothing_to_judge(moderator):
    """The README's examples: "ok" and emoji-only text were called hateful at 81 % and 63 %."""
    nothing, emoji, judged = moderator.classify(["ok", "😂😂😂 🙏", "মেয়েরা কিছুই পারে না ওদের কাজ শুধু রান্না"])
    assert nothing.insufficient_text and emoji.insufficient_text and nothing.hate_probability is None
    assert not judged.insufficient_text and 0 <= judged.hate_probability <= 1


def test_probabilities_are_distributions_and_auxiliaries_are_conditional(moderator):
    texts = ["খেলা দেখে মন ভরে গেল, সবাইকে অনেক ধন্যবাদ", "tui ekta faltu lok, tor baap o faltu chilo"]
    for prediction in moderator.classify(texts):
        for name, task in prediction.tasks.items():
            if task.kind == "sigmoid":  # multi-label: independent probabilities, each in [0, 1]
                assert all(0 <= p <= 1 for p in task.probabilities.values()), name
                continue
            assert sum(task.probabilities.values()) == pytest.approx(1.0, abs=1e-4), name
        # conditional tasks: before temperature scaling P(none) = P(not hate); each task has its own T
        raw = moderator.classifier.member_proba([prediction.text])
        for member in raw.values():
            assert member["severity"][0, 0] == pytest.approx(member["binary"][0, 0], abs=1e-5)


def test_cli_classify_uses_the_shipped_model():
    out = subprocess.run([sys.executable, "-m", "banglahate_gui.cli", "classify", "--json", "--text",
                          "এই নোংরা মহিলার জন্য আজ দেশের এই অবস্থা"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout.strip().splitlines()[0])
    assert record["bundle_id"].startswith("banglahatenet-mini@")
    assert set(record["prediction"]["tasks"]) == {"binary", "type", "target", "severity", "violence", "toxicity"}
    assert record["prediction"]["tasks"]["toxicity"]["kind"] == "sigmoid"
