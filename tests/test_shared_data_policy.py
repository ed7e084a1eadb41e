"""Issue 13, finding 8: a missing ../shared must not leave CI green, and every data path honours BANGLAHATE_SHARED."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_suite(tmp_path: Path, env: dict) -> subprocess.CompletedProcess:
    """A one-test suite that needs `data_dir`, run with the project's conftest."""
    suite = tmp_path / "suite"
    suite.mkdir(exist_ok=True)
    shutil.copyfile(ROOT / "tests" / "conftest.py", suite / "conftest.py")
    (suite / "test_needs_data.py").write_text("def test_needs_data(data_dir):\n    assert data_dir.is_dir()\n")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def test_missing_shared_data_fails_under_ci(tmp_path):
    result = _run_suite(tmp_path, {"CI": "true", "BANGLAHATE_SHARED": str(tmp_path / "nowhere")})
    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout and "CI=true requires it" in result.stdout


def test_missing_shared_data_skips_locally(tmp_path):
    result = _run_suite(tmp_path, {"CI": "", "BANGLAHATE_SHARED": str(tmp_path / "nowhere")})
    assert result.returncode == 0 and "1 skipped" in result.stdout, result.stdout


def test_tests_honour_banglahate_shared(tmp_path):
    (tmp_path / "elsewhere" / "data").mkdir(parents=True)
    result = _run_suite(tmp_path, {"CI": "true", "BANGLAHATE_SHARED": str(tmp_path / "elsewhere")})
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout


def test_every_data_default_honours_banglahate_shared(tmp_path):
    code = ("from banglahate_gui import cli, defaults; from banglahate_gui.data.sources import DEFAULT_DATA_DIR\n"
            "p = cli.build_parser()\n"
            "dirs = [p.parse_args([c]).data_dir for c in ('data', 'train', 'evaluate')]\n"
            "print(set(map(str, dirs + [DEFAULT_DATA_DIR, defaults.default_data_dir()])))")
    env = {**os.environ, "BANGLAHATE_SHARED": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=ROOT)
    assert out.stdout.strip() == repr({str(tmp_path / "data")})
