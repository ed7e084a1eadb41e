"""Issue 13: the rules of the house are import-linter contracts (.importlinter), checked here so CI checks them."""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint(config: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports not installed: pip install -e '.[test]' (import-linter is a test dependency)")
    return subprocess.run([exe, "--config", str(config), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_import_contracts_are_kept():
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    contracts = [s for s in parser.sections() if s.startswith("importlinter:contract:")]
    assert len(contracts) >= 4
    result = _lint(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(contracts)} kept, 0 broken" in result.stdout


def test_a_broken_contract_is_reported(tmp_path):
    """Guard against a vacuous check: a rule the code does break (the model imports torch) fails."""
    config = tmp_path / "broken.ini"
    config.write_text("[importlinter]\nroot_package = banglahate_gui\ninclude_external_packages = True\n\n"
                      "[importlinter:contract:x]\nname = model without torch\ntype = forbidden\n"
                      "source_modules = banglahate_gui.model.fused\nforbidden_modules = torch\n")
    result = _lint(config)
    assert result.returncode != 0 and "BROKEN" in result.stdout


def test_schema_and_data_import_without_torch_at_run_time():
    """import-linter sees import statements; this also runs the package __init__ files."""
    code = ("import sys, banglahate_gui.model.schema, banglahate_gui.data, banglahate_gui.defaults\n"
            "print(','.join(m for m in ('torch', 'transformers', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
