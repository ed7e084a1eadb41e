"""Kill the running app with SIGKILL in the middle of a burst of keyboard decisions: the log holds a
consistent prefix with every acknowledged decision, passes integrity_check, and ran with synchronous=FULL."""

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

from banglahate_gui.review.log import SYNCHRONOUS_FULL, ReviewLog  # noqa: E402

HELPER = Path(__file__).with_name("app_helpers.py")
KEYS = "ARERAE"
KILL_AFTER = 3  # decisions acknowledged before the kill; the rest are still being pressed


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
        lines = read_lines_until(proc, f"DECIDED {KILL_AFTER}", timeout=240)
    finally:
        proc.send_signal(signal.SIGKILL)  # keys are still being pressed every 20 ms
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert f"SYNC {SYNCHRONOUS_FULL} wal" in lines  # the durability the app writes with
    acknowledged = [line.split()[2] for line in lines if line.startswith("DECIDED")]
    assert len(acknowledged) == KILL_AFTER
    # Read the file as left by the killed process (WAL not checkpointed) with plain sqlite3 first.
    conn = sqlite3.connect(log_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT id, decision, probabilities, bundle_id, sha256 FROM decisions ORDER BY id").fetchall()
    conn.close()
    expected = [{"A": "approve", "R": "remove", "E": "escalate"}[k] for k in KEYS]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))  # no holes
    assert KILL_AFTER <= len(rows) <= len(KEYS)
    decisions = [r[1] for r in rows]
    assert decisions == expected[:len(rows)]  # a prefix of what was pressed, in order
    assert decisions[:KILL_AFTER] == acknowledged
    assert all(r[2] and r[3] for r in rows)  # probabilities and bundle id recorded with each decision
    assert len({r[4] for r in rows}) == len(rows)  # one decision per distinct item
    with ReviewLog(log_path) as log:
        assert sorted(s.decision for s in log.states().values()) == sorted(decisions)
