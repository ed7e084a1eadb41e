"""`banglahate triage`: one row per file sorted by risk, a bad file among good ones, the empty folder,
resume from the cache, and a `kill -9` mid-run followed by a re-run (a subprocess with two workers)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from banglahate_gui import cli
from banglahate_gui.data.synth_memes import render_meme
from banglahate_gui.triage import find_images, risk_key, triage, write_rows

CAPTIONS = ["তুই একটা বাজে লোক", "ami tomake bhalobashi na", "খেলায় আজ বাংলাদেশ জিতেছে",
            "kal theke office e jabo na", "এই দেশের রাজনীতি নিয়ে কিছু বলার নেই"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Three memes (one also copied byte for byte, one re-encoded as JPEG), a textless image, a file that
    is not an image, and a text file that triage must ignore; some in a subfolder."""
    root = tmp_path_factory.mktemp("shots")
    (root / "sub" / "deeper").mkdir(parents=True)
    for i, caption in enumerate(CAPTIONS[:3]):
        render_meme(caption, seed=i, size=(480, 320), style="plain").save(root / f"m{i}.png")
    shutil.copy(root / "m0.png", root / "sub" / "copy_of_m0.png")
    render_meme(CAPTIONS[1], seed=1, size=(480, 320), style="plain").save(root / "sub" / "deeper" / "m1.jpg",
                                                                       quality=40)
    _blank(root / "sub" / "blank.png")
    (root / "sub" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "notes.txt").write_text("not an image", encoding="utf-8")
    return root


def _blank(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (320, 200), "white").save(path)


def _run_inprocess(folder, tiny_bundle, cache, out=None):
    return triage([folder], out, bundle=tiny_bundle, device="cpu", workers=1, cache=cache, progress=False)


@pytest.fixture(scope="module")
def first_run(folder, tiny_bundle, tmp_path_factory):
    work = tmp_path_factory.mktemp("triage")
    result = _run_inprocess(folder, tiny_bundle, work / "cache.sqlite", work / "rows.csv")
    return result, work


def test_one_row_per_image_sorted_by_risk(folder, first_run):
    result, work = first_run
    images = find_images([folder])
    assert "notes.txt" not in {p.name for p in images} and len(images) == 7
    assert sorted(r["path"] for r in result.rows) == sorted(map(str, images))
    assert result.rows == sorted(result.rows, key=risk_key)
    scored = [r["hate_probability"] for r in result.rows if r["hate_probability"] is not None]
    assert scored == sorted(scored, reverse=True) and len(scored) >= 4
    by_name = {Path(r["path"]).name: r for r in result.rows}
    # a bad file among good ones: an error row (sorted last), the others analysed
    broken = by_name["broken.png"]
    assert broken["error"] and "image" in broken["error"] and result.rows[-1] is broken
    assert [r["path"] for r in result.failures] == [broken["path"]]
    blank = by_name["blank.png"]
    assert blank["error"] is None and blank["insufficient_text"] and blank["binary_label"] == "insufficient_text"
    assert blank["hate_probability"] is None and result.rows.index(blank) == len(result.rows) - 2
    good = by_name["m0.png"]
    assert good["text"] and good["ocr_engine"] in ("easyocr", "tesseract") and good["bundle_id"].startswith("tiny")
    probs = [good[f"binary_p_{label}"] for label in ("not_hate", "hate")]
    assert abs(sum(probs) - 1) < 1e-4 and good["binary_label"] in ("hate", "not_hate")
    assert good["size"] == (folder / "m0.png").stat().st_size and len(good["sha256"]) == 64
    # byte-identical copy: same hash, same analysis, same group; the re-encoded one joins it too
    copy = by_name["copy_of_m0.png"]
    assert copy["sha256"] == good["sha256"] and copy["group"] == good["group"] and good["group_size"] == 2
    assert by_name["m1.jpg"]["group"] == by_name["m1.png"]["group"] != good["group"]
    assert result.analysed == 5 and result.cached == 0  # 7 files: one duplicate content, one broken


def test_outputs_csv_jsonl_parquet(first_run):
    import csv

    import pyarrow.parquet as pq

    result, work = first_run
    with open(work / "rows.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["path"] for r in rows] == [r["path"] for r in result.rows]
    assert "binary_p_hate" in rows[0] and "group" in rows[0] and "error" in rows[0]
    write_rows(result.rows, work / "rows.jsonl")
    lines = [json.loads(line) for line in (work / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["path"] for r in lines] == [r["path"] for r in result.rows]
    assert lines[0]["hate_probability"] == result.rows[0]["hate_probability"]
    write_rows(result.rows, work / "rows.parquet")
    table = pq.read_table(work / "rows.parquet").to_pylist()
    assert [r["path"] for r in table] == [r["path"] for r in result.rows]
    assert "riskiest" in result.summary() and "broken.png" in result.summary()


def test_rerun_takes_everything_from_the_cache(folder, tiny_bundle, first_run):
    result, work = first_run
    again = _run_inprocess(folder, tiny_bundle, work / "cache.sqlite")
    assert again.analysed == 0 and again.cached == 5
    drop = ("seconds", "cached")
    assert [{k: v for k, v in r.items() if k not in drop} for r in again.rows] == \
           [{k: v for k, v in r.items() if k not in drop} for r in result.rows]
    assert all(r["cached"] for r in again.rows if r["error"] is None)


def test_empty_folder_says_so_and_fails(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("no images here", encoding="utf-8")
    assert cli.main(["triage", str(tmp_path), "--out", str(tmp_path / "r.csv")]) != 0
    assert "no supported images" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def _cache_rows(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


N_KILL = 5


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun_gives_one_row_per_file(tmp_path, tiny_bundle):
    shots = tmp_path / "many"
    shots.mkdir()
    for i, caption in enumerate(CAPTIONS[:N_KILL]):  # distinct contents
        render_meme(caption, seed=100 + i, size=(400, 260), style="plain").save(shots / f"s{i}.png")
    cache, out = tmp_path / "cache.sqlite", tmp_path / "rows.jsonl"
    command = [sys.executable, "-m", "banglahate_gui.cli", "triage", str(shots), "--out", str(out),
               "--cache", str(cache), "--bundle", str(tiny_bundle), "--device", "cpu", "--workers", "2", "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while _cache_rows(cache) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its pool workers
    proc.wait(30)
    done = _cache_rows(cache)
    assert 0 < done < N_KILL, f"kill did not land mid-run ({done} cached): {proc.stderr.read()[-2000:]}"
    assert not out.exists()

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["path"] for r in rows) == sorted(str(p) for p in shots.iterdir())
    assert sum(r["cached"] for r in rows) == done and all(r["error"] is None for r in rows)
    assert _cache_rows(cache) == N_KILL
    assert f"{N_KILL - done} analysed, {done} from the cache" in rerun.stdout
    # the two-worker pool gives what the in-process path gives for the same content
    sample = sorted(shots.iterdir())[:2]
    inprocess = {r["sha256"]: r for r in triage(sample, bundle=tiny_bundle, device="cpu", workers=1,
                                                  cache=tmp_path / "other.sqlite", progress=False).rows}
    twins = [(row, inprocess[row["sha256"]]) for row in rows if row["sha256"] in inprocess]
    assert len(twins) == 2
    for row, twin in twins:
        assert (row["text"], row["binary_label"]) == (twin["text"], twin["binary_label"])
        assert abs(row["binary_p_hate"] - twin["binary_p_hate"]) < 1e-5


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_runs_one_worker(folder, tiny_bundle, tmp_path):
    result = triage([folder], bundle=tiny_bundle, device="cuda", workers=4, cache=tmp_path / "c.sqlite",
                    progress=False)
    assert result.workers == 1 and result.analysed == 5


def test_csv_cells_never_become_formulas(tmp_path):
    rows = [{"path": "a.png", "text": '=HYPERLINK("http://x")', "normalized_text": "@cmd", "hate_probability": -0.5}]
    write_rows(rows, tmp_path / "r.csv")
    write_rows(rows, tmp_path / "r.jsonl")
    import csv

    with open(tmp_path / "r.csv", encoding="utf-8") as handle:
        back = next(csv.DictReader(handle))
    assert back["text"] == "'=HYPERLINK(\"http://x\")" and back["normalized_text"] == "'@cmd"
    assert back["hate_probability"] == "-0.5"  # numbers are not text
    assert json.loads((tmp_path / "r.jsonl").read_text(encoding="utf-8"))["text"] == rows[0]["text"]


def test_non_utf8_file_name_is_written_to_every_format(tmp_path):
    import pyarrow.parquet as pq

    rows = [{"path": "/shots/\udcff.png", "error": None}]
    for suffix in (".csv", ".jsonl", ".parquet"):
        out = write_rows(rows, tmp_path / f"rows{suffix}")
        assert out.is_file() and not out.with_name(out.name + ".part").exists()
    assert json.loads((tmp_path / "rows.jsonl").read_text(encoding="utf-8"))["path"] == rows[0]["path"]
    assert "\\udcff" in pq.read_table(tmp_path / "rows.parquet").to_pylist()[0]["path"]


def test_in_process_chunk_failure_becomes_error_rows(tmp_path, monkeypatch):
    """With one worker (the CUDA default) a chunk that raises used to abort the whole run."""
    from banglahate_gui import triage as triage_module
    from banglahate_gui.model.bundle import BundleManifest

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "bundle.json").write_text(json.dumps(BundleManifest("stub").to_dict()), encoding="utf-8")
    shots = tmp_path / "shots"
    shots.mkdir()
    _blank(shots / "a.png")

    def boom(job):
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(triage_module, "init_worker", lambda *args: None)
    monkeypatch.setattr(triage_module, "analyze_chunk", boom)
    result = triage([shots], bundle=bundle, device="cpu", workers=1, cache=tmp_path / "c.sqlite", progress=False)
    [row] = result.rows
    assert "decoder exploded" in row["error"] and result.failures == [row]


def test_user_input_errors_are_fatal_errors_not_crashes(tmp_path, capsys):
    """A wrong --out suffix, a missing --file or a bad JSONL line: exit 2 with a message, no traceback."""
    from banglahate_gui.errors import BanglaHateError
    from banglahate_gui.triage import read_texts

    _blank(tmp_path / "a.png")
    assert cli.main(["triage", str(tmp_path), "--out", str(tmp_path / "r.txt"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--out must end in" in err and "Traceback" not in err
    with pytest.raises(BanglaHateError, match="cannot read"):
        list(read_texts(tmp_path / "missing.txt"))
    (tmp_path / "t.jsonl").write_text('{"text": "ok"}\n{broken\n', encoding="utf-8")
    with pytest.raises(BanglaHateError, match="t.jsonl:2"):
        list(read_texts(tmp_path / "t.jsonl"))


def test_one_failing_file_does_not_fail_the_rest_of_its_chunk(tmp_path, monkeypatch):
    """An unexpected error on one image (a RuntimeError from Tesseract, a cv2.error) used to fail the
    whole chunk, so the chunk's good files never got analysed, on this run or any re-run."""
    from types import SimpleNamespace

    from banglahate_gui import triage as triage_module
    from banglahate_gui.model.prediction import insufficient_prediction
    from banglahate_gui.ocr import OcrConfig
    from banglahate_gui.ocr.result import OcrResult

    for name in ("bad.png", "good.png"):
        _blank(tmp_path / name)

    def read(image):
        if image.size == (320, 200) and read.calls == 0:
            read.calls += 1
            raise RuntimeError("tesseract crashed")
        return OcrResult("", "easyocr", 0.0, [], [], {}, "stub", 0.6, image.size)

    read.calls = 0
    classifier = SimpleNamespace(bundle_id="stub", predict_normalized=lambda texts: [insufficient_prediction(t)
                                                                                     for t in texts])
    monkeypatch.setattr(triage_module, "_MODERATOR", SimpleNamespace(ocr=SimpleNamespace(config=OcrConfig()),
                                                                     read=read, classifier=classifier))
    results = triage_module.analyze_chunk([("s1", tmp_path / "bad.png"), ("s2", tmp_path / "good.png")])
    by_sha = {r["sha256"]: r for r in results}
    assert "RuntimeError: tesseract crashed" in by_sha["s1"]["error"]
    assert by_sha["s2"]["error"] is None and by_sha["s2"]["analysis"]["prediction"]["insufficient_text"]
