"""AnalysisCache: JSON round trip by (sha256, bundle, OCR key), WAL, several processes at once;
OcrConfig.cache_key; Analysis.from_dict."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3

from banglahate_gui.cache import AnalysisCache, default_cache_path
from banglahate_gui.ocr import OcrConfig

ANALYSIS = {"source": "a.png", "text": "তুই একটা বাজে লোক", "prediction": {"hate_probability": 0.7}, "ocr": None}


def test_round_trip_and_key_parts(tmp_path):
    with AnalysisCache(tmp_path / "c.sqlite") as cache:
        assert cache.get("s1", "b1", "k1") is None
        cache.put("s1", "b1", "k1", ANALYSIS)
        assert cache.get("s1", "b1", "k1") == ANALYSIS
        # every part of the key matters
        assert cache.get("s2", "b1", "k1") is None
        assert cache.get("s1", "b2", "k1") is None
        assert cache.get("s1", "b1", "k2") is None
        cache.put("s1", "b1", "k1", {**ANALYSIS, "text": "new"})
        assert cache.get("s1", "b1", "k1")["text"] == "new"
        assert len(cache) == 1
    with AnalysisCache(tmp_path / "c.sqlite") as again:  # persisted
        assert again.get("s1", "b1", "k1")["text"] == "new"
    conn = sqlite3.connect(tmp_path / "c.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    stored = conn.execute("SELECT analysis FROM analyses").fetchone()[0]
    assert json.loads(stored) == {**ANALYSIS, "text": "new"}  # plain JSON text, no pickle


def _writer(path: str, worker: int) -> None:
    with AnalysisCache(path) as cache:
        for i in range(40):
            cache.put(f"{worker}-{i}", "b", "k", {"i": i, "worker": worker})


def test_several_processes_write_at_once(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    AnalysisCache(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with AnalysisCache(path) as cache:
        assert len(cache) == 120
        assert cache.get("2-39", "b", "k") == {"i": 39, "worker": 2}


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.setenv("BANGLAHATE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_path() == tmp_path / "elsewhere" / "analyses.sqlite"
    monkeypatch.delenv("BANGLAHATE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "banglahate" / "analyses.sqlite"
    with AnalysisCache() as cache:
        assert cache.path.is_file()


def test_ocr_cache_key_tracks_output_settings():
    base = OcrConfig().cache_key()
    assert base == OcrConfig().cache_key() and len(base) == 16
    assert OcrConfig(threshold=0.5).cache_key() != base
    assert OcrConfig(preprocess="otsu").cache_key() != base
    assert OcrConfig(recognizer_dir="builtin").cache_key() != base
    assert OcrConfig(tesseract_lang="eng").cache_key() != base
    # limits and the device do not change what is read
    assert OcrConfig(max_pixels=1000, gpu=True).cache_key() == base


def test_analysis_from_dict_round_trip(tiny_bundle):
    from banglahate_gui.pipeline import Analysis, Moderator

    moderator = Moderator.load(tiny_bundle, device="cpu")
    analysis = moderator.analyze_text("তুই একটা বাজে লোক", source="x")
    restored = Analysis.from_dict(analysis.to_dict())
    assert restored == analysis
    assert restored.to_dict() == analysis.to_dict()


def test_non_utf8_file_name_round_trips(tmp_path):
    """A file name that is not UTF-8 reaches Python as lone surrogates; storing it used to raise."""
    analysis = {**ANALYSIS, "source": "/shots/\udcff.png"}
    with AnalysisCache(tmp_path / "c.sqlite") as cache:
        cache.put("s1", "b1", "k1", analysis)
        assert cache.get("s1", "b1", "k1") == analysis


def test_unusable_file_closes_the_connection(tmp_path, monkeypatch):
    closed = []

    class Conn:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, *args):
            return self.conn.execute(*args)

        def executescript(self, *args):
            return self.conn.executescript(*args)

        def close(self):
            closed.append(True)
            self.conn.close()

    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: Conn(real_connect(*a, **k)))
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"not a database " * 100)
    try:
        AnalysisCache(path)
    except sqlite3.DatabaseError:
        pass
    else:
        raise AssertionError("a file that is not a database opened")
    assert closed == [True]
