"""Triage with the six-task schema: one probability column per label (multi-label toxicity included), the
`risk` sort on any task or label, filters, multi-label thresholds, per-label summary counts, the CLI flags."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from banglahate_gui import cli
from banglahate_gui.data.synth_memes import render_meme
from banglahate_gui.errors import BanglaHateError
from banglahate_gui.model.prediction import split_label
from banglahate_gui.model.schema import DEFAULT_TASKS
from banglahate_gui.model.schema import task as schema_task
from banglahate_gui.triage import risk_key, triage

CAPTIONS = ["তুই একটা বাজে লোক", "ami tomake bhalobashi na", "খেলায় আজ বাংলাদেশ জিতেছে", "kal theke office e jabo na"]
TOXICITY = DEFAULT_TASKS[-1]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    from PIL import Image

    root = tmp_path_factory.mktemp("six")
    for i, caption in enumerate(CAPTIONS):
        render_meme(caption, seed=i, size=(480, 320), style="plain").save(root / f"m{i}.png")
    Image.new("RGB", (320, 200), "white").save(root / "blank.png")
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


@pytest.fixture(scope="module")
def cache(folder, tiny_bundle6, tmp_path_factory) -> Path:
    """A cache filled by one run, so each test below re-runs from it (no OCR)."""
    path = tmp_path_factory.mktemp("six_cache") / "cache.sqlite"
    triage([folder], None, bundle=tiny_bundle6, device="cpu", workers=1, cache=path, progress=False)
    return path


def _run(folder, bundle, cache, **kw):
    return triage([folder], kw.pop("out", None), bundle=bundle, device="cpu", workers=1, cache=cache,
                  progress=False, **kw)


def _analysed(result):
    return [r for r in result.rows if r["error"] is None and not r["insufficient_text"]]


def test_columns_for_every_task_and_label(folder, tiny_bundle6, cache, tmp_path):
    result = _run(folder, tiny_bundle6, cache, out=tmp_path / "rows.csv")
    assert result.cached == 5 and len(result.rows) == 6  # every image but the broken file, from the cache
    with open(tmp_path / "rows.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    for t in DEFAULT_TASKS:
        assert f"{t.name}_label" in header
        assert all(f"{t.name}_p_{label}" in header for label in t.labels)
    for row in _analysed(result):
        for t in DEFAULT_TASKS:
            probs = [row[f"{t.name}_p_{label}"] for label in t.labels]
            if t.kind == "softmax":
                assert abs(sum(probs) - 1) < 1e-4 and row[f"{t.name}_label"] in t.labels
        passing = {label for label in TOXICITY.labels if row[f"toxicity_p_{label}"] >= 0.5}
        assert set(split_label(row["toxicity_label"])) == passing  # independent per label, joined with "+"
    counts = result.label_counts()
    rows = _analysed(result)
    assert sum(counts["toxicity"].values()) == sum(max(1, len(split_label(r["toxicity_label"]))) for r in rows) + 1
    assert counts["violence"]["insufficient_text"] == 1  # the blank image
    assert "toxicity:" in result.summary() and "+" not in result.summary().split("toxicity:")[1].splitlines()[0]


@pytest.mark.parametrize("key", ["violence.direct", "violence", "toxicity", "toxicity.threat", "binary.hate"])
def test_sort_by_any_task_or_label(folder, tiny_bundle6, cache, key):
    result = _run(folder, tiny_bundle6, cache, sort_by=key)
    assert result.rows == sorted(result.rows, key=risk_key)
    task, _, label = key.partition(".")
    for row in _analysed(result):
        probs = [row[f"{task}_p_{x}"] for x in schema_task(task, DEFAULT_TASKS).labels]
        expected = row[f"{task}_p_{label}"] if label else (max(probs) if task == "toxicity" else 1 - probs[0])
        assert row["risk"] == pytest.approx(expected, abs=1e-6)
    risks = [r["risk"] for r in result.rows if r["risk"] is not None]
    assert risks == sorted(risks, reverse=True) and len(risks) == 4
    assert result.rows[-1]["error"] and result.rows[-2]["insufficient_text"]
    if key == "binary.hate":
        assert all(r["risk"] == r["hate_probability"] for r in result.rows)


def test_filters_keep_matching_rows_and_every_error(folder, tiny_bundle6, cache):
    everything = _analysed(_run(folder, tiny_bundle6, cache))
    cut = sorted(r["toxicity_p_threat"] for r in everything)[2]
    result = _run(folder, tiny_bundle6, cache, min_probability={"toxicity.threat": cut})
    kept = _analysed(result)
    assert {r["path"] for r in kept} == {r["path"] for r in everything if r["toxicity_p_threat"] >= cut}
    assert result.failures and result.filtered_out == 6 - len(result.rows)  # error row kept, others counted
    label = split_label(everything[0]["toxicity_label"])[0] if split_label(everything[0]["toxicity_label"]) else "none"
    by_label = _run(folder, tiny_bundle6, cache, labels={"toxicity": label})
    assert _analysed(by_label) and all(label in (split_label(r["toxicity_label"]) or ("none",))
                                       for r in _analysed(by_label))
    violence = everything[0]["violence_label"]
    assert {r["path"] for r in _analysed(_run(folder, tiny_bundle6, cache, labels={"violence": violence}))} == \
        {r["path"] for r in everything if r["violence_label"] == violence}
    with pytest.raises(BanglaHateError, match="no label 'bad'"):
        _run(folder, tiny_bundle6, cache, min_probability={"toxicity.bad": 0.5})
    with pytest.raises(BanglaHateError, match="no task 'sentiment'"):
        _run(folder, tiny_bundle6, cache, sort_by="sentiment")


def test_label_thresholds_decide_multi_label_again(folder, tiny_bundle6, cache):
    every = _run(folder, tiny_bundle6, cache, thresholds={"toxicity": {label: 0.0 for label in TOXICITY.labels}})
    assert all(r["toxicity_label"] == "+".join(TOXICITY.labels) for r in _analysed(every))
    none = _run(folder, tiny_bundle6, cache, thresholds={"toxicity": {label: 1.0 for label in TOXICITY.labels}})
    assert all(r["toxicity_label"] == "none" for r in _analysed(none))
    assert [r["toxicity_p_hate"] for r in _analysed(every)] == [r["toxicity_p_hate"] for r in _analysed(none)]


def test_cli_flags(folder, tiny_bundle6, cache, tmp_path, capsys):
    out = tmp_path / "direct.csv"
    code = cli.main(["triage", str(folder), "--bundle", str(tiny_bundle6), "--device", "cpu", "--workers", "1",
                     "--cache", str(cache), "--quiet", "--sort-by", "violence.direct", "--min", "violence.direct=0",
                     "--label-threshold", "toxicity.vulgar=0", "--out", str(out)])
    assert code == 1  # the broken file
    text = capsys.readouterr().out
    assert "riskiest (violence.direct):" in text
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    scored = [r for r in rows if r["risk"]]
    assert [float(r["risk"]) for r in scored] == sorted((float(r["violence_p_direct"]) for r in scored), reverse=True)
    assert all("vulgar" in r["toxicity_label"].split("+") for r in scored)
    assert cli.main(["triage", str(folder), "--bundle", str(tiny_bundle6), "--sort-by", "violence.bad",
                     "--cache", str(cache), "--quiet"]) == 2
