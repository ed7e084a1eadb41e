"""`banglahate triage --engine ray`: a private local Ray (2 CPUs, no dashboard, small object store) on five
images gives the same rows as the local engine (hashes, labels, probabilities within 1e-4, groups, the
error row), writes Parquet shards, fills the same cache, and finishes within 90 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from banglahate_gui.data.synth_memes import render_meme
from banglahate_gui.triage import risk_key, triage
from banglahate_gui.triage_ray import read_shards

RAY_SECONDS = float(os.environ.get("BANGLAHATE_RAY_TEST_SECONDS", "90"))
"""The bound on the whole Ray run (CLI start, local Ray, two actors loading the models, five images)."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Three memes, a JPEG re-encode of one of them, and a file that is not an image (5 files)."""
    root = tmp_path_factory.mktemp("ray_shots")
    for i, caption in enumerate(["তুই একটা বাজে লোক", "ami tomake bhalobashi na", "খেলায় আজ বাংলাদেশ জিতেছে"]):
        render_meme(caption, seed=i, size=(480, 320), style="plain").save(root / f"m{i}.png")
    render_meme("ami tomake bhalobashi na", seed=1, size=(480, 320), style="plain").save(root / "m1.jpg", quality=40)
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


def test_ray_engine_matches_local(folder, tiny_bundle6, tmp_path):
    local = triage([folder], tmp_path / "local.csv", bundle=tiny_bundle6, device="cpu", workers=1,
                   cache=tmp_path / "local.sqlite", progress=False)
    out, cache = tmp_path / "ray.parquet", tmp_path / "ray.sqlite"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    started = time.perf_counter()
    # its own session: on a timeout the CLI and every Ray process it started are killed together
    proc = subprocess.Popen(
        [sys.executable, "-m", "banglahate_gui.cli", "triage", str(folder), "--out", str(out), "--engine", "ray",
         "--workers", "2", "--bundle", str(tiny_bundle6), "--device", "cpu", "--cache", str(cache), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=RAY_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the Ray run took longer than {RAY_SECONDS:.0f} s")
    seconds = time.perf_counter() - started
    assert proc.returncode == 1, stderr[-3000:]  # 1: the broken file failed, the others did not
    assert "4 analysed" in stdout and "1 failed" in stdout, stdout
    assert seconds < RAY_SECONDS

    rows = pq.read_table(out).to_pylist()
    assert rows == sorted(rows, key=risk_key)
    theirs_by_path = {r["path"]: r for r in local.rows}
    assert sorted(r["path"] for r in rows) == sorted(theirs_by_path)
    for ours in rows:  # (batches differ between the engines: ties may order differently within 1e-6)
        theirs = theirs_by_path[ours["path"]]
        assert ours["sha256"] == theirs["sha256"] and ours["group"] == theirs["group"]
        assert (ours["error"] is None) == (theirs["error"] is None)
        labels = [k for k in theirs if k.endswith("_label")]
        probabilities = [k for k in theirs if "_p_" in k]
        assert len(labels) == (6 if theirs["error"] is None else 0)  # six tasks: every one has its columns
        assert all(ours[k] == theirs[k] for k in labels), ours
        assert all(abs(ours[k] - theirs[k]) <= 1e-4 for k in probabilities), ours
        assert ours["text"] == theirs.get("text")  # (an error row has no text)
    by_name = {Path(r["path"]).name: r for r in rows}
    assert by_name["m1.png"]["group"] == by_name["m1.jpg"]["group"]  # near-duplicates grouped on Ray too

    shards = read_shards(Path(f"{out}.shards"))
    assert sorted(r["sha256"] for r in shards) == sorted(r["sha256"] for r in rows)  # every file analysed once
    assert [r for r in shards if r["error"]][0]["sha256"] == by_name["broken.png"]["sha256"]

    again = triage([folder], None, bundle=tiny_bundle6, device="cpu", workers=1, cache=cache, progress=False)
    assert again.analysed == 0 and again.cached == 4  # the Ray run filled the same cache a local run resumes from
