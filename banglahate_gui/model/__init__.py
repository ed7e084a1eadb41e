"""BanglaHateNet: task schema, multi-task encoders, late fusion, bundle save/load."""

from banglahate_gui.model.bundle import ENCODER_NAMES, BundleManifest, read_manifest, save_bundle
from banglahate_gui.model.fused import FusedClassifier, fuse, load_bundle
from banglahate_gui.model.multitask import MultiTaskEncoder
from banglahate_gui.model.prediction import Prediction, TaskPrediction, predictions_from_proba
from banglahate_gui.model.schema import TASK_NAMES, TASKS, Task

__all__ = [
    "ENCODER_NAMES", "TASKS", "TASK_NAMES", "BundleManifest", "FusedClassifier", "MultiTaskEncoder",
    "Prediction", "Task", "TaskPrediction", "fuse", "load_bundle", "predictions_from_proba",
    "read_manifest", "save_bundle",
]
