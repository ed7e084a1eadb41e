"""Bundle folders: `bundle.json` + one folder per fusion member (safetensors and JSON only, no pickle).

Format 2 (`banglahatenet-bundle/2`) lists its task schema, its members (encoders `xlmr`, `muril` and the
`lexical` n-gram member, any non-empty subset), per-task fusion weights over the members, per-task
temperatures and per-task decision offsets. Format 1 (two encoders, one weight w for every task:
P = w·P_xlmr + (1−w)·P_muril) still loads, with temperature 1 and no offsets. Every field is checked on
load; anything out of range is a `BundleError` that names the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from banglahate_gui.errors import BundleError
from banglahate_gui.model.schema import TASKS, SchemaError, Task, schema_dict, tasks_from_dict
from banglahate_gui.text import NORMALIZER_VERSION

BUNDLE_FILE = "bundle.json"
BUNDLE_FORMAT = "banglahatenet-bundle/2"
BUNDLE_FORMAT_V1 = "banglahatenet-bundle/1"
ENCODER_NAMES = ("xlmr", "muril")
LEXICAL_NAME = "lexical"
MEMBER_NAMES = (*ENCODER_NAMES, LEXICAL_NAME)
"""Every member a bundle may have, in fusion order."""
HEADS_FILE = "heads.safetensors"
ENCODER_FILES = ("config.json", "model.safetensors", HEADS_FILE, "tokenizer.json")
VOCAB_FILE = "vocabulary.json"
WEIGHTS_FILE = "lexical.safetensors"
LEXICAL_FILES = (VOCAB_FILE, WEIGHTS_FILE)
"""The files each kind of member folder must hold (checked before anything is loaded)."""
MAX_LENGTH_RANGE = (1, 512)
TEMPERATURE_RANGE = (1e-2, 100.0)
MAX_OFFSET = 20.0
WEIGHT_SUM_TOLERANCE = 1e-4


@dataclass
class BundleManifest:
    """The content of `bundle.json`."""

    name: str
    members: tuple[str, ...] = ENCODER_NAMES
    fusion: dict[str, dict[str, float]] = field(default_factory=dict)
    """task → member → weight (≥ 0, summing to 1); empty = equal weights."""
    temperatures: dict[str, float] = field(default_factory=dict)
    """task → temperature applied to the fused probabilities (missing = 1)."""
    offsets: dict[str, list[float]] = field(default_factory=dict)
    """task → per-label additive log-probability offsets for the decision (missing = 0)."""
    max_length: int = 128
    tasks: tuple[Task, ...] = TASKS
    normalizer_version: str = NORMALIZER_VERSION
    member_info: dict[str, dict] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    format: str = BUNDLE_FORMAT

    def __post_init__(self) -> None:
        for t in self.tasks:
            self.fusion.setdefault(t.name, {m: 1.0 / len(self.members) for m in self.members})

    @classmethod
    def two_encoder(cls, name: str, weight: float = 0.5, **kw) -> BundleManifest:
        """The paper's configuration: P = w·P_xlmr + (1−w)·P_muril for every task."""
        tasks = kw.get("tasks", TASKS)
        return cls(name, ENCODER_NAMES, {t.name: {"xlmr": weight, "muril": 1.0 - weight} for t in tasks}, **kw)

    def temperature(self, task: str) -> float:
        return self.temperatures.get(task, 1.0)

    def to_dict(self) -> dict:
        return {
            "format": BUNDLE_FORMAT,
            "name": self.name,
            "tasks": schema_dict(self.tasks),
            "members": {m: {"path": m, **self.member_info.get(m, {}),
                            "kind": "lexical" if m == LEXICAL_NAME else "encoder"} for m in self.members},
            "fusion": {t.name: {m: self.fusion[t.name][m] for m in self.members} for t in self.tasks},
            "calibration": {t.name: {"temperature": self.temperature(t.name)} for t in self.tasks},
            "decision": {t.name: {"offsets": list(self.offsets.get(t.name, [0.0] * t.num_labels))} for t in self.tasks},
            "max_length": self.max_length,
            "normalizer_version": self.normalizer_version,
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, data: object) -> BundleManifest:
        """Parse and check a manifest (format 1 or 2); `BundleError` names the offending field."""
        if not isinstance(data, dict):
            raise BundleError(f"{BUNDLE_FILE}: expected a JSON object, got {type(data).__name__}")
        fmt = data.get("format")
        if fmt not in (BUNDLE_FORMAT, BUNDLE_FORMAT_V1):
            raise BundleError(f"{BUNDLE_FILE}: format: {fmt!r} is not {BUNDLE_FORMAT!r} or {BUNDLE_FORMAT_V1!r}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise BundleError(f"{BUNDLE_FILE}: name: expected a non-empty string, got {name!r}")
        if "tasks" not in data:
            raise BundleError(f"{BUNDLE_FILE}: tasks: missing")
        try:
            tasks = tasks_from_dict(data["tasks"])
        except SchemaError as exc:
            raise BundleError(f"{BUNDLE_FILE}: {exc}") from exc
        max_length = data.get("max_length", 128)
        if isinstance(max_length, bool) or not isinstance(max_length, int) or \
                not MAX_LENGTH_RANGE[0] <= max_length <= MAX_LENGTH_RANGE[1]:
            raise BundleError(f"{BUNDLE_FILE}: max_length: {max_length!r} is not an integer in "
                              f"{MAX_LENGTH_RANGE[0]}..{MAX_LENGTH_RANGE[1]}")
        provenance = data.get("provenance", {})
        if not isinstance(provenance, dict):
            raise BundleError(f"{BUNDLE_FILE}: provenance: expected an object")
        common = dict(name=name, tasks=tasks, max_length=max_length, provenance=provenance,
                      normalizer_version=str(data.get("normalizer_version", "")))
        if fmt == BUNDLE_FORMAT_V1:
            fusion = _object(data.get("fusion", {}), "fusion")
            w = _number(fusion.get("weight", 0.5), "fusion.weight")
            if not 0.0 <= w <= 1.0:
                raise BundleError(f"{BUNDLE_FILE}: fusion.weight: {w} is not within 0..1")
            info = _object(data.get("encoders", {}), "encoders")
            return cls.two_encoder(member_info={m: dict(info.get(m, {})) for m in ENCODER_NAMES},
                                   format=BUNDLE_FORMAT_V1, weight=w, **common)
        raw_members = _object(data.get("members"), "members")
        members = tuple(m for m in MEMBER_NAMES if m in raw_members)
        unknown = sorted(set(raw_members) - set(MEMBER_NAMES))
        if unknown or not members:
            raise BundleError(f"{BUNDLE_FILE}: members: expected a non-empty subset of {list(MEMBER_NAMES)}, "
                              f"got {sorted(raw_members)}")
        member_info = {}
        for m in members:
            info = _object(raw_members[m], f"members.{m}")
            if info.get("path", m) != m:
                raise BundleError(f"{BUNDLE_FILE}: members.{m}.path: must be {m!r}")
            member_info[m] = {k: v for k, v in info.items() if k not in ("path", "kind")}
        raw_fusion = _object(data.get("fusion"), "fusion")
        raw_cal = _object(data.get("calibration", {}), "calibration")
        raw_dec = _object(data.get("decision", {}), "decision")
        fusion, temperatures, offsets = {}, {}, {}
        for t in tasks:
            weights = _object(raw_fusion.get(t.name), f"fusion.{t.name}")
            if set(weights) != set(members):
                raise BundleError(f"{BUNDLE_FILE}: fusion.{t.name}: expected one weight per member "
                                  f"{list(members)}, got {sorted(weights)}")
            fusion[t.name] = {m: _number(weights[m], f"fusion.{t.name}.{m}") for m in members}
            if any(w < 0 for w in fusion[t.name].values()):
                raise BundleError(f"{BUNDLE_FILE}: fusion.{t.name}: negative weight in {fusion[t.name]}")
            total = sum(fusion[t.name].values())
            if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
                raise BundleError(f"{BUNDLE_FILE}: fusion.{t.name}: weights sum to {total:g}, expected 1")
            cal = _object(raw_cal.get(t.name, {}), f"calibration.{t.name}")
            temp = _number(cal.get("temperature", 1.0), f"calibration.{t.name}.temperature")
            if not TEMPERATURE_RANGE[0] <= temp <= TEMPERATURE_RANGE[1]:
                raise BundleError(f"{BUNDLE_FILE}: calibration.{t.name}.temperature: {temp} is not within "
                                  f"{TEMPERATURE_RANGE[0]}..{TEMPERATURE_RANGE[1]}")
            temperatures[t.name] = temp
            dec = _object(raw_dec.get(t.name, {}), f"decision.{t.name}")
            off = dec.get("offsets", [0.0] * t.num_labels)
            if not isinstance(off, list) or len(off) != t.num_labels:
                raise BundleError(f"{BUNDLE_FILE}: decision.{t.name}.offsets: expected {t.num_labels} numbers")
            offsets[t.name] = [_number(x, f"decision.{t.name}.offsets") for x in off]
            if any(abs(x) > MAX_OFFSET for x in offsets[t.name]):
                raise BundleError(f"{BUNDLE_FILE}: decision.{t.name}.offsets: beyond ±{MAX_OFFSET}")
        return cls(members=members, fusion=fusion, temperatures=temperatures, offsets=offsets,
                   member_info=member_info, **common)


def _object(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise BundleError(f"{BUNDLE_FILE}: {where}: expected an object, got {type(value).__name__}")
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BundleError(f"{BUNDLE_FILE}: {where}: {value!r} is not a finite number")
    return float(value)


def bundle_id(path: str | Path) -> str:
    """`name@hash`: identifies the exact bundle a decision was made with."""
    raw = (Path(path) / BUNDLE_FILE).read_bytes()
    return f"{json.loads(raw)['name']}@{hashlib.sha256(raw).hexdigest()[:12]}"


def save_bundle(out_dir: str | Path, members: dict[str, object], manifest: BundleManifest, half: bool = False) -> Path:
    """Write a bundle; `members` maps each of `manifest.members` to (model, tokenizer), a `LexicalMember`, or
    the `Path` of an encoder folder of another bundle, copied byte for byte (a reused encoder)."""
    from transformers.utils import logging as hf_logging

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hf_logging.disable_progress_bar()
    for name in manifest.members:
        if name == LEXICAL_NAME:
            members[name].save(out / name, half=half)
            continue
        if isinstance(members[name], Path):
            source = members[name]
            if not (out / name).exists() or not (out / name).samefile(source):
                shutil.copytree(source, out / name, dirs_exist_ok=True)
            config = json.loads((source / "config.json").read_text(encoding="utf-8"))
            manifest.member_info[name] = {"model_type": config.get("model_type")}
            continue
        model, tokenizer = members[name]
        model.save_pretrained(out / name, half=half)
        tokenizer.save_pretrained(str(out / name))
        manifest.member_info[name] = {"model_type": model.encoder.config.model_type}
    (out / BUNDLE_FILE).write_text(json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def read_manifest(path: str | Path) -> BundleManifest:
    """Validate a bundle folder and read its manifest; `BundleError` lists everything missing."""
    root = Path(path)
    if not root.is_dir():
        raise BundleError(f"model bundle folder not found: {root} (choose a folder that contains {BUNDLE_FILE})")
    manifest_file = root / BUNDLE_FILE
    if not manifest_file.is_file():
        raise BundleError(f"{root} is not a model bundle: {BUNDLE_FILE} is missing")
    try:
        data = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(f"{manifest_file} is not valid JSON ({exc})") from exc
    manifest = BundleManifest.from_dict(data)
    missing = [f"{m}/{f}" for m in manifest.members
               for f in (LEXICAL_FILES if m == LEXICAL_NAME else ENCODER_FILES) if not (root / m / f).is_file()]
    if missing:
        raise BundleError(f"model bundle {root} is incomplete; missing: {', '.join(missing)}")
    if manifest.normalizer_version != NORMALIZER_VERSION:
        raise BundleError(
            f"model bundle {root} was trained with normalizer v{manifest.normalizer_version}, "
            f"this app has v{NORMALIZER_VERSION}; retrain or use a matching app version"
        )
    return manifest
