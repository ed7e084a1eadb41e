"""On PYTHONPATH only while scripts/build_desktop.sh runs PyInstaller: its hooks import easyocr, hence
torchvision, in the CPU build venv, which needs the same schema declarations as the frozen app."""

import os
import runpy

_SHIM = runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "rthook_torchvision_cpu.py"))
