"""BanglaHateNet: task schema, multi-task encoders, lexical member, late fusion, bundle save/load.

Attributes are imported lazily, so `banglahate_gui.model.schema` (and `data/`) never pull in torch.
"""

from importlib import import_module

_EXPORTS = {
    "ENCODER_NAMES": "bundle", "BundleManifest": "bundle", "read_manifest": "bundle", "save_bundle": "bundle",
    "FusedClassifier": "fused", "fuse": "fused", "load_bundle": "fused",
    "LexicalMember": "lexical",
    "MultiTaskEncoder": "multitask",
    "Prediction": "prediction", "TaskPrediction": "prediction", "predictions_from_proba": "prediction",
    "TASKS": "schema", "Task": "schema",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
