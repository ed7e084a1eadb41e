"""The engine never imports Qt: importing every engine module in a fresh interpreter loads no PySide6/PyQt."""

import subprocess
import sys

ENGINE_MODULES = [
    "banglahate_gui.pipeline",
    "banglahate_gui.ocr",
    "banglahate_gui.text",
    "banglahate_gui.model",
    "banglahate_gui.explain",
    "banglahate_gui.cli",
]


def test_engine_imports_no_qt():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in ENGINE_MODULES)
        + "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'))\n"
        + "print(','.join(qt))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"engine modules pulled in Qt: {out.stdout.strip()}"


def test_the_check_itself_detects_qt():
    """Guard against a vacuous test: importing the GUI package does load Qt."""
    code = "import sys, banglahate_gui.app.main; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
