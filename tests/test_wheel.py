"""The package as a user installs it: a wheel with its models and licence notices that works without the
source tree, and the licence notices themselves (kept in step with the data adapters and the bundle)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from banglahate_gui.resources import (
    CLASSIFIER,
    RECOGNIZER,
    data_licences,
    default_bundle_dir,
    licences_dir,
    notice_path,
    render_notice,
    resources_dir,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "banglahate_gui"
TEXT = "ওরা আমাদের দেশের শত্রু, ওদের তাড়িয়ে দাও"


# ----- licence notices ---------------------------------------------------------------------------------
def test_shipped_notice_is_rendered_from_the_licence_table() -> None:
    assert notice_path().read_text(encoding="utf-8") == render_notice(), \
        "NOTICE.md is stale: python -c 'from banglahate_gui.resources import *; notice_path().write_text(render_notice())'"


def test_licence_table_matches_the_data_adapters_and_the_recognizer_training() -> None:
    pytest.importorskip("pandas", reason="the data adapters need the train extra")
    from banglahate_gui.data.sources import SOURCES

    table = json.loads((licences_dir() / "data_licences.json").read_text(encoding="utf-8"))
    licences = {s["name"]: s["licence"] for s in table["sources"]}
    assert licences == {s.name: s.licence for s in SOURCES}
    # CAPTION_SOURCES read from the recognizer trainer's source: importing it would load EasyOCR and torch.
    tree = ast.parse((PACKAGE / "train" / "recognizer.py").read_text(encoding="utf-8"))
    (captions,) = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                   and any(getattr(t, "id", None) == "CAPTION_SOURCES" for t in node.targets)]
    assert tuple(table["recognizer_sources"]) == tuple(captions)


def test_notice_follows_the_bundle_provenance(tmp_path: Path) -> None:
    (tmp_path / "bundle.json").write_text(json.dumps({"provenance": {"data": {"sources": ["bdshs", "my_own_data"]}}}))
    notice = data_licences(tmp_path)
    by_source = {d.source: d for d in notice.data}
    assert by_source["bdshs"].used_by == (CLASSIFIER,) and by_source["bdshs"].licence == "MIT"
    assert by_source["my_own_data"].licence == "unknown"
    assert "blp25_multihate" not in by_source  # neither this bundle nor the recognizer used it
    recognizer_only = [d for d in notice.data if d.used_by == (RECOGNIZER,)]
    assert recognizer_only and all(not d.source.startswith("blp25") for d in recognizer_only)


def test_shipped_notice_names_the_restrictive_licences() -> None:
    notice = data_licences()
    restrictive = {d.licence for d in notice.data if d.restrictive}
    summary = notice.summary()
    for licence in restrictive:
        assert licence in summary
    assert "non-commercial" in summary and "share-alike" in summary
    assert summary.splitlines()[0].startswith(next(d.licence for d in notice.data if d.restrictive))


# ----- the wheel ---------------------------------------------------------------------------------------
def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}: exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the tree (the build writes egg-info and build/ next to its sources)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy2(ROOT / "pyproject.toml", src)
    shutil.copy2(ROOT / "README.md", src)
    shutil.copytree(PACKAGE, src / "banglahate_gui", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheelhouse")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir", "-q",
          "-w", str(out), str(src)], timeout=180)
    (found,) = out.glob("banglahate_gui-*.whl")
    return found


@pytest.mark.slow
def test_wheel_holds_every_package_file_models_and_notices(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tree = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert any(n.startswith("banglahate_gui/resources/models/") for n in tree), "no models in the tree"
    assert not tree - names, f"left out of the wheel (declare them as package data): {sorted(tree - names)}"
    for required in ("banglahate_gui/resources/licences/NOTICE.md", "banglahate_gui/resources/licences/data_licences.json",
                     f"banglahate_gui/resources/models/{default_bundle_dir().name}/bundle.json"):
        assert required in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "banglahate = banglahate_gui.cli:main" in text and "banglahate-gui = banglahate_gui.app.main:main" in text


@pytest.mark.slow
def test_installed_wheel_runs_info_and_classifies_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q", "--target", str(site), str(wheel)],
         timeout=120)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The wheel's copy comes first on the path; the dependencies come from this environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGLAHATE_")}
    env.update(PYTHONPATH=str(site), PYTHONNOUSERSITE="1", HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"),
               OMP_NUM_THREADS="1")
    where = _run([sys.executable, "-c", "import banglahate_gui.resources as r; print(r.__file__); print(r.resources_dir())"],
                 cwd=elsewhere, env=env, timeout=60).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    assert not Path(where[1]).is_relative_to(resources_dir())

    banglahate = [sys.executable, str(site / "bin" / "banglahate")]  # the wheel's own console script
    info = _run([*banglahate, "info"], cwd=elsewhere, env=env, timeout=120).stdout
    words = next(line.split() for line in info.splitlines() if line.startswith("bundle: "))  # bundle: ID at PATH
    bundle_id, bundle_path = words[1], words[3]
    assert Path(bundle_path).is_relative_to(site)
    notice = Path(next(line for line in info.splitlines() if "full notice: " in line).split("full notice: ")[1][:-2])
    assert notice.is_file() and notice.is_relative_to(site)
    assert "CC BY-NC-SA 4.0" in info and "non-commercial" in info and "share-alike" in info

    out = _run([*banglahate, "classify", "--text", TEXT, "--json"], cwd=elsewhere, env=env, timeout=120).stdout
    (row,) = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert row["bundle_id"] == bundle_id
    hate = row["prediction"]["hate_probability"]
    assert hate is not None and 0.0 <= hate <= 1.0
