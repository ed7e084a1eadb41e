"""Kill the running app with SIGKILL right after it reports decisions: every one is in the log."""

from __future__ import annotations

import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from app_helpers import make_folder  # noqa: E402

from banglahate_gui.review_log import ReviewLog  # noqa: E402

HELPER = Path(__file__).with_name("app_helpers.py")
KEYS = "AREAR"


def read_lines_until(proc: subprocess.Popen, last: str, timeout: float) -> list[str]:
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=1.0):
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if line.startswith(last):
            return lines
    raise AssertionError(f"app did not print {last!r} in {timeout}s; got {lines}; stderr: {proc.stderr.read()[-2000:]}")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_sigkill_loses_no_decision(tmp_path, tiny_bundle):
    folder = tmp_path / "memes"
    make_folder(folder, len(KEYS))
    log_path = tmp_path / "log.sqlite3"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(tiny_bundle), str(folder), str(log_path), KEYS],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=HELPER.parent.parent,
    )
    try:
        lines = read_lines_until(proc, f"DECIDED {len(KEYS)}", timeout=240)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert [line.split()[:2] for line in lines if line.startswith("DECIDED")] == [
        ["DECIDED", str(n)] for n in range(1, len(KEYS) + 1)
    ]
    # Read the file as left by the killed process (WAL not checkpointed) with plain sqlite3 first.
    conn = sqlite3.connect(log_path)
    rows = conn.execute("SELECT decision, probabilities, bundle_id, sha256 FROM decisions ORDER BY id").fetchall()
    conn.close()
    expected = [{"A": "approve", "R": "remove", "E": "escalate"}[k] for k in KEYS]
    assert [r[0] for r in rows] == expected
    assert all(r[1] and r[2] for r in rows)  # probabilities and bundle id recorded with each decision
    assert len({r[3] for r in rows}) == len(KEYS)  # one decision per distinct item
    with ReviewLog(log_path) as log:
        assert sorted(s.decision for s in log.states().values()) == sorted(expected)
