"""`banglahate classify --file`: .txt/.csv/.jsonl and stdin, one model call per 64 texts, one result
per input in the --json shape of `--text`, an output CSV beside; a text too long for argv works."""

from __future__ import annotations

import csv
import io
import json

import pytest

from banglahate_gui import cli
from banglahate_gui.model.fused import FusedClassifier


@pytest.fixture()
def calls(monkeypatch):
    """Counts model calls (fused probability batches)."""
    counter = {"n": 0}
    original = FusedClassifier.predict_proba

    def counting(self, texts, batch_size=64):
        counter["n"] += 1
        return original(self, texts, batch_size)

    monkeypatch.setattr(FusedClassifier, "predict_proba", counting)
    return counter


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_txt_batched_same_shape_as_text(tmp_path, tiny_bundle, sample_texts, calls, capsys):
    texts = [t.replace("\n", " ") for t in sample_texts[:130]]
    path = tmp_path / "texts.txt"
    path.write_text("\n".join(texts[:65]) + "\n\n" + "\n".join(texts[65:]) + "\n", encoding="utf-8")
    out_csv = tmp_path / "results.csv"
    code = cli.main(["classify", "--file", str(path), "--json", "--bundle", str(tiny_bundle), "--device", "cpu",
                     "--out", str(out_csv)])
    results = _json_lines(capsys.readouterr().out)
    assert code == 0 and len(results) == 130
    assert calls["n"] <= 3  # 130 judgeable texts or fewer: batches of 64
    assert results[0]["source"] == f"{path}:1" and results[65]["source"] == f"{path}:67"  # blank line skipped
    # the same shape and numbers as --text, one text at a time
    calls["n"] = 0
    cli.main(["classify", "--json", "--bundle", str(tiny_bundle), "--device", "cpu",
              "--text", texts[0], "--text", texts[100]])
    single = _json_lines(capsys.readouterr().out)
    assert calls["n"] == 2
    for mine, theirs in ((results[0], single[0]), (results[100], single[1])):
        assert set(mine) == set(theirs)
        assert mine["normalized_text"] == theirs["normalized_text"]
        _assert_close(mine["prediction"], theirs["prediction"])
    with open(out_csv, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 130 and rows[3]["source"] == results[3]["source"]
    assert rows[3]["binary_label"] == results[3]["prediction"]["tasks"]["binary"]["label"]


def _assert_close(a: dict, b: dict) -> None:
    """Same labels, probabilities within 1e-5 (a batch pads differently from a single text)."""
    for task, value in a["tasks"].items():
        assert value["label"] == b["tasks"][task]["label"]
        if value["probabilities"] is not None:
            for label, p in value["probabilities"].items():
                assert abs(p - b["tasks"][task]["probabilities"][label]) < 1e-5


def test_csv_column_jsonl_and_stdin(tmp_path, tiny_bundle, monkeypatch, capsys):
    texts = ["তুই একটা বাজে লোক", "ami tomake bhalobashi na", "খেলায় আজ বাংলাদেশ জিতেছে"]
    csv_path = tmp_path / "t.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "comment"])
        writer.writerows([[i, t] for i, t in enumerate(texts)] + [[9, "line one\nline two"]])
    common = ["--json", "--bundle", str(tiny_bundle), "--device", "cpu"]
    assert cli.main(["classify", "--file", str(csv_path), "--column", "comment", *common]) == 0
    from_csv = _json_lines(capsys.readouterr().out)
    assert [r["text"] for r in from_csv] == texts + ["line one\nline two"]
    assert cli.main(["classify", "--file", str(csv_path), *common]) != 0  # no column "text"
    assert "--column" in capsys.readouterr().err

    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text("".join(json.dumps({"text": t, "n": i}, ensure_ascii=False) + "\n"
                             for i, t in enumerate(texts)), encoding="utf-8")
    assert cli.main(["classify", "--file", str(jsonl), *common]) == 0
    from_jsonl = _json_lines(capsys.readouterr().out)
    assert [r["prediction"] for r in from_jsonl] == [r["prediction"] for r in from_csv[:3]]

    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(texts) + "\n" + "😀\n"))
    code = cli.main(["classify", "--file", "-", *common])
    from_stdin = _json_lines(capsys.readouterr().out)
    assert code == 0 and len(from_stdin) == 4 and from_stdin[0]["source"] == "stdin:1"
    assert [r["prediction"] for r in from_stdin[:3]] == [r["prediction"] for r in from_csv[:3]]
    assert from_stdin[3]["prediction"]["insufficient_text"] is True


def test_long_text_and_empty_input(tmp_path, tiny_bundle, capsys):
    path = tmp_path / "long.txt"
    path.write_text("তুই একটা বাজে লোক " * 6000 + "\n" + "\u200d\n", encoding="utf-8")  # ~100,000 characters
    code = cli.main(["classify", "--file", str(path), "--json", "--bundle", str(tiny_bundle), "--device", "cpu"])
    captured = capsys.readouterr()
    results = _json_lines(captured.out)
    assert len(results) == 2
    assert results[0]["truncated"] is True and results[0]["prediction"]["tasks"]["binary"]["label"] in ("hate", "not_hate")
    assert results[1] == {"source": f"{path}:2", "error": results[1]["error"]} and code == 1  # a lone joiner: nothing left
