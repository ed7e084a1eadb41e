"""Let torchvision import without its C++ ops, in the CPU desktop build (PyInstaller runtime hook) and in
the build environment (buildenv/sitecustomize.py runs this file).

The only torchvision wheel that pairs with CPU torch 2.13 here (0.28.0 from PyPI) is CUDA-linked: its
`_C.so` cannot load without CUDA, so the build leaves it out. torchvision then registers fake kernels for
`nms`/`qnms` without checking that its ops exist (its other registrations do check), and the import fails.
Declaring the two schemas makes the import work; calling them raises "no kernel". The app never calls
them: EasyOCR uses only torchvision's VGG definition and transforms.
"""

import glob
import os
import sys

import torch


def _torchvision_ops_loadable() -> bool:
    """True where torchvision's own `_C` extension ships (a CUDA machine's build): then nothing to do."""
    if getattr(sys, "frozen", False):
        return bool(glob.glob(os.path.join(sys._MEIPASS, "torchvision", "_C*.so")))
    try:
        import ctypes
        import importlib.util

        spec = importlib.util.find_spec("torchvision")
        for lib in glob.glob(os.path.join(os.path.dirname(spec.origin), "_C*.so")):
            ctypes.CDLL(lib)  # fails where the CUDA libraries it links to are missing
            return True
    except OSError:
        return False
    return False


def _declare_missing_ops():
    if _torchvision_ops_loadable():
        return None
    lib = torch.library.Library("torchvision", "FRAGMENT")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    return lib


LIBRARY = _declare_missing_ops()  # kept alive: dropping the Library object would undo the definitions
