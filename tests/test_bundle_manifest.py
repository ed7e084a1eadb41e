"""Bundle manifests and folders without models (fast): every field `bundle.json` may get wrong is a
`BundleError` naming it, limits are inclusive, format 1 still parses, `read_manifest` lists what is missing,
`save_bundle` writes what it was given (stand-in members record how they were saved)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from banglahate_gui.errors import BundleError
from banglahate_gui.model.bundle import (BUNDLE_FORMAT, BUNDLE_FORMAT_V1, ENCODER_FILES, LEXICAL_FILES, BundleManifest,
                                         bundle_id, read_manifest, save_bundle)
from banglahate_gui.model.schema import DEFAULT_TASKS, TASKS, schema_dict
from banglahate_gui.text import NORMALIZER_VERSION

THREE = ("xlmr", "muril", "lexical")


def manifest_dict(**changes) -> dict:
    """A valid three-member format-2 manifest over the four paper tasks, with `changes` applied."""
    data = BundleManifest("m", THREE, temperatures={"binary": 1.5}, offsets={"binary": [0.0, 0.25]},
                          member_info={"xlmr": {"model_type": "xlm-roberta"}}, provenance={"seed": 1}).to_dict()
    data.update(changes)
    return data


def refused(data: object, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        BundleManifest.from_dict(data)


def test_defaults_weigh_members_equally_and_serialise_every_field():
    m = BundleManifest("m", THREE, temperatures={"binary": 2.0}, offsets={"type": [0.0, 1.0, 0.0, 0.0, 0.0]},
                       member_info={"xlmr": {"model_type": "xlm-roberta", "kind": "ignored"}}, provenance={"seed": 3})
    assert m.fusion == {t.name: {"xlmr": 1 / 3, "muril": 1 / 3, "lexical": 1 / 3} for t in TASKS}
    assert m.temperature("binary") == 2.0 and m.temperature("type") == 1.0
    d = m.to_dict()
    assert d["format"] == BUNDLE_FORMAT and d["name"] == "m" and d["tasks"] == schema_dict(TASKS)
    assert d["members"] == {"xlmr": {"path": "xlmr", "model_type": "xlm-roberta", "kind": "encoder"},
                            "muril": {"path": "muril", "kind": "encoder"},
                            "lexical": {"path": "lexical", "kind": "lexical"}}
    assert d["calibration"] == {"binary": {"temperature": 2.0}, "type": {"temperature": 1.0},
                                "target": {"temperature": 1.0}, "severity": {"temperature": 1.0}}
    assert d["decision"]["type"] == {"offsets": [0.0, 1.0, 0.0, 0.0, 0.0]}
    assert d["decision"]["severity"] == {"offsets": [0.0, 0.0, 0.0, 0.0]}
    assert d["max_length"] == 128 and d["normalizer_version"] == NORMALIZER_VERSION and d["provenance"] == {"seed": 3}
    assert list(d["fusion"]["binary"]) == list(THREE)
    explicit = BundleManifest("m", ("xlmr",), {"binary": {"xlmr": 1.0}})
    assert explicit.fusion["binary"] == {"xlmr": 1.0} and explicit.fusion["severity"] == {"xlmr": 1.0}


def test_two_encoder_manifest_is_the_papers_weighted_mean():
    m = BundleManifest.two_encoder("p", 0.3)
    assert m.members == ("xlmr", "muril") and m.tasks == TASKS
    assert all(m.fusion[t.name] == {"xlmr": 0.3, "muril": pytest.approx(0.7)} for t in TASKS)
    six = BundleManifest.two_encoder("p", tasks=DEFAULT_TASKS)
    assert set(six.fusion) == {t.name for t in DEFAULT_TASKS} and six.fusion["toxicity"] == {"xlmr": 0.5, "muril": 0.5}


def test_format_2_round_trips_through_json():
    for tasks in (TASKS, DEFAULT_TASKS):
        m = BundleManifest("m", THREE, {t.name: {"xlmr": 0.5, "muril": 0.3, "lexical": 0.2} for t in tasks},
                           temperatures={t.name: 1.25 for t in tasks}, max_length=512, tasks=tasks,
                           offsets={tasks[0].name: [0.5] * tasks[0].num_labels},
                           member_info={"xlmr": {"model_type": "xlm-roberta"}, "muril": {}, "lexical": {}},
                           provenance={"data": "x"})
        back = BundleManifest.from_dict(json.loads(json.dumps(m.to_dict())))
        assert back.to_dict() == m.to_dict() and back.fusion == m.fusion and back.member_info == m.member_info
        assert back.offsets[tasks[1].name] == [0.0] * tasks[1].num_labels and back.temperature(tasks[1].name) == 1.25


def test_format_1_parses_as_two_encoders_with_one_weight():
    v1 = {"format": BUNDLE_FORMAT_V1, "name": "old", "normalizer_version": "1",
          "tasks": {t.name: {"labels": list(t.labels), "loss_weight": t.loss_weight} for t in TASKS},
          "fusion": {"weight": 0.3}, "max_length": 64,
          "encoders": {"xlmr": {"path": "xlmr", "model_type": "xlm-roberta"}, "muril": {"path": "muril"}}}
    m = BundleManifest.from_dict(v1)
    assert (m.format, m.name, m.members, m.max_length, m.tasks, m.normalizer_version) == (
        BUNDLE_FORMAT_V1, "old", ("xlmr", "muril"), 64, TASKS, "1")
    assert m.fusion["severity"] == {"xlmr": 0.3, "muril": pytest.approx(0.7)}
    assert m.member_info == {"xlmr": {"path": "xlmr", "model_type": "xlm-roberta"}, "muril": {"path": "muril"}}
    assert m.temperatures == {} and m.offsets == {} and m.provenance == {}
    assert BundleManifest.from_dict({k: v for k, v in v1.items() if k not in ("fusion", "encoders")}).fusion["binary"] == \
        {"xlmr": 0.5, "muril": 0.5}
    for weight in (0.0, 1.0):
        assert BundleManifest.from_dict({**v1, "fusion": {"weight": weight}}).fusion["binary"]["xlmr"] == weight
    for weight, message in ((1.01, "fusion.weight: 1.01 is not within 0..1"), (-0.01, "fusion.weight"),
                            (float("nan"), "fusion.weight: nan is not a finite number"), ("0.5", "fusion.weight")):
        refused({**v1, "fusion": {"weight": weight}}, message)
    refused({**v1, "fusion": [0.5]}, "fusion: expected an object, got list")
    refused({**v1, "encoders": ["xlmr"]}, "encoders: expected an object, got list")


@pytest.mark.parametrize("data, message", [
    ([], "bundle.json: expected a JSON object, got list"),
    (manifest_dict(format="banglahatenet-bundle/3"), "format: 'banglahatenet-bundle/3' is not"),
    ({k: v for k, v in manifest_dict().items() if k != "format"}, "format: None"),
    (manifest_dict(name=""), "name: expected a non-empty string, got ''"),
    (manifest_dict(name=5), "name: expected a non-empty string, got 5"),
    ({k: v for k, v in manifest_dict().items() if k != "tasks"}, "tasks: missing"),
    (manifest_dict(tasks=[]), "bundle.json: tasks: the schema lists no task"),
    (manifest_dict(max_length=0), "max_length: 0 is not an integer in 1..512"),
    (manifest_dict(max_length=513), "max_length: 513"),
    (manifest_dict(max_length=True), "max_length: True"),
    (manifest_dict(max_length=64.0), "max_length: 64.0"),
    (manifest_dict(provenance=[]), "provenance: expected an object"),
    (manifest_dict(members=["xlmr"]), "members: expected an object, got list"),
    (manifest_dict(members={}), r"members: expected a non-empty subset of \['xlmr', 'muril', 'lexical'\], got \[\]"),
    (manifest_dict(members={"xlmr": {}, "bert": {}}), r"got \['bert', 'xlmr'\]"),
    (manifest_dict(members={"xlmr": [], "muril": {}, "lexical": {}}), "members.xlmr: expected an object, got list"),
    (manifest_dict(members={"xlmr": {"path": "../x"}, "muril": {}, "lexical": {}}), "members.xlmr.path: must be 'xlmr'"),
    (manifest_dict(fusion=None), "fusion: expected an object, got NoneType"),
    (manifest_dict(calibration=[]), "calibration: expected an object"),
    (manifest_dict(decision=[]), "decision: expected an object"),
])
def test_malformed_manifest_is_a_bundle_error_naming_the_field(data, message):
    refused(data, message)


def _edit(path: str, value) -> dict:
    data = manifest_dict()
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    node[last] = value
    return data


@pytest.mark.parametrize("path, value, message", [
    ("fusion.type", None, "fusion.type: expected an object, got NoneType"),
    ("fusion.type", {"xlmr": 0.5, "muril": 0.5}, r"fusion.type: expected one weight per member \['xlmr', 'muril', "
                                                 r"'lexical'\], got \['muril', 'xlmr'\]"),
    ("fusion.type.xlmr", float("inf"), "fusion.type.xlmr: inf is not a finite number"),
    ("fusion.type.xlmr", True, "fusion.type.xlmr: True is not a finite number"),
    ("fusion.type.xlmr", "0.5", "fusion.type.xlmr"),
    ("fusion.type", {"xlmr": 1.5, "muril": -0.5, "lexical": 0.0}, "fusion.type: negative weight"),
    ("fusion.type", {"xlmr": 0.5, "muril": 0.5, "lexical": 0.0002}, "fusion.type: weights sum to 1.0002, expected 1"),
    ("fusion.type", {"xlmr": 7.0, "muril": 0.0, "lexical": 0.0}, "weights sum to 7"),
    ("calibration.type", 3, "calibration.type: expected an object, got int"),
    ("calibration.type", {"temperature": 0.0099}, r"calibration.type.temperature: 0.0099 is not within 0.01..100.0"),
    ("calibration.type", {"temperature": 100.01}, "calibration.type.temperature: 100.01"),
    ("calibration.type", {"temperature": float("nan")}, "calibration.type.temperature: nan is not a finite number"),
    ("decision.type", "x", "decision.type: expected an object, got str"),
    ("decision.type", {"offsets": [0.0] * 4}, "decision.type.offsets: expected 5 numbers"),
    ("decision.type", {"offsets": 0.0}, "decision.type.offsets: expected 5 numbers"),
    ("decision.type", {"offsets": [0.0, 0.0, 0.0, 0.0, None]}, "decision.type.offsets: None is not a finite number"),
    ("decision.type", {"offsets": [0.0, 0.0, 0.0, 0.0, -20.001]}, r"decision.type.offsets: beyond ±20.0"),
    ("decision.type", {"offsets": [20.5, 0.0, 0.0, 0.0, 0.0]}, "decision.type.offsets: beyond"),
])
def test_out_of_range_fusion_calibration_and_offsets_are_refused(path, value, message):
    refused(_edit(path, value), message)


def test_limits_are_inclusive_and_missing_sections_default():
    ok = BundleManifest.from_dict
    assert ok(manifest_dict(max_length=1)).max_length == 1 and ok(manifest_dict(max_length=512)).max_length == 512
    assert ok(_edit("calibration.type", {"temperature": 0.01})).temperature("type") == 0.01
    assert ok(_edit("calibration.type", {"temperature": 100})).temperature("type") == 100.0
    assert ok(_edit("decision.type", {"offsets": [20.0, -20.0, 0, 0, 0]})).offsets["type"] == [20.0, -20.0, 0.0, 0.0, 0.0]
    within = ok(_edit("fusion.type", {"xlmr": 0.5, "muril": 0.5, "lexical": 0.00009}))
    assert within.fusion["type"]["lexical"] == 0.00009
    assert ok(_edit("fusion.type", {"xlmr": 1, "muril": 0, "lexical": 0})).fusion["type"] == \
        {"xlmr": 1.0, "muril": 0.0, "lexical": 0.0}
    bare = {k: v for k, v in manifest_dict().items() if k not in ("calibration", "decision", "max_length", "provenance",
                                                                 "normalizer_version")}
    m = ok(bare)
    assert m.temperatures == {t.name: 1.0 for t in TASKS} and m.max_length == 128 and m.provenance == {}
    assert m.offsets == {t.name: [0.0] * t.num_labels for t in TASKS} and m.normalizer_version == ""
    partial = copy.deepcopy(manifest_dict())
    del partial["calibration"]["type"], partial["decision"]["type"]
    m = ok(partial)
    assert m.temperature("type") == 1.0 and m.temperature("binary") == 1.5 and m.offsets["binary"] == [0.0, 0.25]


def test_member_subset_keeps_fusion_order_and_extra_member_info():
    data = manifest_dict(members={"lexical": {"path": "lexical", "kind": "x"}, "xlmr": {"model_type": "t", "path": "xlmr"}},
                         fusion={t.name: {"lexical": 0.4, "xlmr": 0.6} for t in TASKS})
    m = BundleManifest.from_dict(data)
    assert m.members == ("xlmr", "lexical")
    assert m.member_info == {"xlmr": {"model_type": "t"}, "lexical": {}}
    assert m.fusion["binary"] == {"xlmr": 0.6, "lexical": 0.4}


def _folder(root: Path, manifest: BundleManifest, skip: tuple[str, ...] = ()) -> Path:
    """A bundle folder with the right (empty) files: `read_manifest` checks presence, not content."""
    root.mkdir()
    (root / "bundle.json").write_text(json.dumps(manifest.to_dict()), encoding="utf-8")
    for m in manifest.members:
        (root / m).mkdir()
        for f in LEXICAL_FILES if m == "lexical" else ENCODER_FILES:
            if f"{m}/{f}" not in skip:
                (root / m / f).write_bytes(b"")
    return root


def test_read_manifest_checks_the_folder_before_anything_loads(tmp_path):
    manifest = BundleManifest("m", THREE)
    assert read_manifest(_folder(tmp_path / "ok", manifest)).to_dict() == manifest.to_dict()
    with pytest.raises(BundleError, match="model bundle folder not found: .*choose a folder that contains bundle.json"):
        read_manifest(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="is not a model bundle: bundle.json is missing"):
        read_manifest(tmp_path / "empty")
    gaps = _folder(tmp_path / "gaps", manifest, skip=("xlmr/heads.safetensors", "lexical/vocabulary.json"))
    with pytest.raises(BundleError, match=r"incomplete; missing: xlmr/heads.safetensors, lexical/vocabulary.json$"):
        read_manifest(gaps)
    for name, raw in (("json", b"{not json"), ("utf8", b"\xff\xfe{}")):
        bad = _folder(tmp_path / name, manifest)
        (bad / "bundle.json").write_bytes(raw)
        with pytest.raises(BundleError, match="bundle.json is not valid JSON"):
            read_manifest(bad)
    old = _folder(tmp_path / "old", BundleManifest("m", THREE, normalizer_version="0"))
    with pytest.raises(BundleError, match=f"trained with normalizer v0, this app has v{NORMALIZER_VERSION}"):
        read_manifest(old)
    listed = _folder(tmp_path / "listed", manifest)
    (listed / "bundle.json").write_text("[]", encoding="utf-8")
    with pytest.raises(BundleError, match="expected a JSON object, got list"):
        read_manifest(listed)


def test_bundle_id_is_the_name_and_the_hash_of_the_manifest_bytes(tmp_path):
    root = _folder(tmp_path / "b", BundleManifest("named", THREE))
    raw = (root / "bundle.json").read_bytes()
    assert bundle_id(root) == f"named@{hashlib.sha256(raw).hexdigest()[:12]}"
    changed = raw + b"\n"
    (root / "bundle.json").write_bytes(changed)
    assert bundle_id(root) == f"named@{hashlib.sha256(changed).hexdigest()[:12]}"


class _Config:
    model_type = "stub-type"


class StubModel:
    """Records how it was saved; writes the encoder files `read_manifest` looks for."""

    def __init__(self):
        self.encoder = type("Encoder", (), {"config": _Config()})()
        self.saved: list[tuple[Path, bool]] = []

    def save_pretrained(self, folder, half=False):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for f in ("config.json", "model.safetensors", "heads.safetensors"):
            (folder / f).write_text("{}" if f == "config.json" else "weights")
        self.saved.append((folder, half))


class StubTokenizer:
    def __init__(self):
        self.saved: list[object] = []

    def save_pretrained(self, folder):
        (Path(folder) / "tokenizer.json").write_text("{}")
        self.saved.append(folder)


class StubLexical:
    def __init__(self):
        self.saved: list[tuple[Path, bool]] = []

    def save(self, folder, half=False):
        Path(folder).mkdir(parents=True, exist_ok=True)
        for f in LEXICAL_FILES:
            (Path(folder) / f).write_text("{}")
        self.saved.append((Path(folder), half))


@pytest.mark.parametrize("half", [False, True])
def test_save_bundle_writes_each_member_and_the_manifest(tmp_path, half):
    reused = tmp_path / "other" / "muril"
    reused.mkdir(parents=True)
    for f in ENCODER_FILES:
        (reused / f).write_text(json.dumps({"model_type": "bert"}) if f == "config.json" else f"bytes of {f}")
    model, tokenizer, lexical = StubModel(), StubTokenizer(), StubLexical()
    manifest = BundleManifest("saved", THREE, temperatures={"binary": 1.5})
    out = save_bundle(tmp_path / "out", {"xlmr": (model, tokenizer), "muril": reused, "lexical": lexical}, manifest,
                      half=half)
    assert out == tmp_path / "out"
    assert model.saved == [(out / "xlmr", half)] and tokenizer.saved == [str(out / "xlmr")]
    assert lexical.saved == [(out / "lexical", half)]
    assert all((out / "muril" / f).read_bytes() == (reused / f).read_bytes() for f in ENCODER_FILES)
    assert manifest.member_info == {"xlmr": {"model_type": "stub-type"}, "muril": {"model_type": "bert"}}
    text = (out / "bundle.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.loads(text) == manifest.to_dict() and "\n  \"name\"" in text
    assert read_manifest(out).to_dict() == manifest.to_dict()
    again = save_bundle(out, {"xlmr": out / "xlmr", "muril": out / "muril", "lexical": lexical}, manifest)  # in place
    assert read_manifest(again).member_info["xlmr"] == {"model_type": None}


def test_save_bundle_keeps_non_ascii_text_readable(tmp_path):
    manifest = BundleManifest("বাংলা", ("lexical",), provenance={"note": "ঘৃণা"})
    save_bundle(tmp_path / "b", {"lexical": StubLexical()}, manifest)
    assert "বাংলা" in (tmp_path / "b" / "bundle.json").read_text(encoding="utf-8")
    assert read_manifest(tmp_path / "b").name == "বাংলা"


def test_two_encoder_weight_applies_to_every_task_of_the_schema():
    six = BundleManifest.two_encoder("p", 0.3, tasks=DEFAULT_TASKS)
    assert six.tasks == DEFAULT_TASKS
    assert all(six.fusion[t.name] == {"xlmr": 0.3, "muril": pytest.approx(0.7)} for t in DEFAULT_TASKS)


def test_member_path_may_be_left_out():
    data = manifest_dict(members={"xlmr": {}, "muril": {"model_type": "bert"}, "lexical": {"kind": "lexical"}})
    m = BundleManifest.from_dict(data)
    assert m.members == THREE and m.member_info == {"xlmr": {}, "muril": {"model_type": "bert"}, "lexical": {}}


def test_save_bundle_creates_parents_and_saves_members_in_any_order(tmp_path):
    lexical, model, tokenizer = StubLexical(), StubModel(), StubTokenizer()
    manifest = BundleManifest("any-order", ("lexical", "xlmr"))
    out = save_bundle(tmp_path / "a" / "b" / "out", {"lexical": lexical, "xlmr": (model, tokenizer)}, manifest)
    assert lexical.saved == [(out / "lexical", False)] and model.saved == [(out / "xlmr", False)]
    assert read_manifest(out).members == ("xlmr", "lexical")


def test_save_bundle_replaces_a_reused_encoder_in_an_existing_folder(tmp_path):
    def encoder(folder: Path, marker: str) -> Path:
        folder.mkdir(parents=True)
        for f in ENCODER_FILES:
            (folder / f).write_text(json.dumps({"model_type": marker}) if f == "config.json" else marker)
        return folder

    first, second = encoder(tmp_path / "one" / "xlmr", "first"), encoder(tmp_path / "two" / "xlmr", "second")
    manifest = BundleManifest("reuse", ("xlmr",))
    out = save_bundle(tmp_path / "out", {"xlmr": first}, manifest)
    save_bundle(out, {"xlmr": second}, manifest)  # the folder exists: overwritten with the new encoder
    assert (out / "xlmr" / "model.safetensors").read_text() == "second"
    assert read_manifest(out).member_info["xlmr"] == {"model_type": "second"}
