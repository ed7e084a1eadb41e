"""`banglahate-gui --smoke-out FILE PATHS` fails at once, with a clear message, when no path holds an image
(it used to wait forever for an analysis that never came)."""

from __future__ import annotations

import os
import subprocess
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")

from banglahate_gui.app.main import main  # noqa: E402


def test_smoke_out_without_images_fails_fast(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no image here", encoding="utf-8")
    out = tmp_path / "smoke.jsonl"
    assert main([str(empty), str(tmp_path / "missing.png"), "--smoke-out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "--smoke-out: no image to analyse" in error and str(empty) in error and ".png" in error
    assert main(["--smoke-out", str(out)]) == 2 and "no paths" in capsys.readouterr().err
    assert not out.exists()


def test_smoke_out_without_images_exits_quickly_as_a_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "banglahate_gui", str(tmp_path / "missing.png"), "--smoke-out",
                           str(tmp_path / "smoke.jsonl")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 2 and "no image to analyse" in proc.stderr
