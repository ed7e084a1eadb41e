"""One adapter per labeled source under ``shared/data`` (see its SOURCES.md), mapped to the four-task schema.

Every adapter returns raw (not yet normalized) texts with the columns of `RAW_COLUMNS`:
``binary``, ``type``, ``target``, ``severity`` are label indices of `banglahate_gui.model.schema`
(`IGNORE_INDEX` where the source has no label for a task: masked, never guessed), ``type_fine`` /
``target_fine`` keep the source's own label strings, ``origin`` names the file a row came from.

Rule for every source: a non-hateful row gets index 0 ("not_hate" / "none") for type, target and
severity. The mapping of each source is the ``mapping`` dict of its `Source` (written into the
dataset card); the code below reads the same dicts, so the documentation cannot drift from the code.
Mapping choices where SOURCES.md offers two options:

- BLP-25 ``Organization`` -> target ``others`` (not ``group``).
- BD-SHS target stays ``individual`` for male/female (they tag individual people), no gender refinement.
- TB-OLID target ``U`` (untargeted) -> masked; its type is masked (no ``abusive`` default).
- No weak targets for VITD (communal groups) or MLTC (religious): masked.
- BanglaHateBERT: the full file (17,312 rows), not the 15,000-row splits (a subset of it). The
  undocumented code ``th`` (threat) -> type ``others`` and severity ``high``, as threat in MLTC and
  Bangla-Abusive; ``sc`` and typo codes are ignored; ``normal`` is read as ``no``.

`SOURCES` is ordered by priority: when the same normalized text occurs in several sources, the
copy from the earliest one is kept (BLP25 > BD-SHS > VITD > TB-OLID > BanglaHateBERT > Karim v2 >
Karim v1 > Karim memes > MLTC > Abusive > Banglish). TB-OLID (peer-reviewed gold, offensive + target)
sits above the silver sets; it barely overlaps the Bengali-script sources, only Banglish. The meme
captions sit below Karim v1/v2 and BanglaHateBERT (same annotators' categories, or finer codes) and
above the toxic-comment re-annotations (MLTC, Abusive), which label toxicity rather than hate.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from banglahate_gui.defaults import default_data_dir
from banglahate_gui.errors import BanglaHateError
from banglahate_gui.model.schema import IGNORE_INDEX, task

DEFAULT_DATA_DIR = default_data_dir()
RAW_COLUMNS = ("text", "binary", "type", "target", "severity", "type_fine", "target_fine", "origin")
LABEL_COLUMNS = ("binary", "type", "target", "severity")

Label = str | None
"""A label name of a task, or None: the source gives no label for the task (masked)."""


class MissingDataError(BanglaHateError, FileNotFoundError):
    """The data folder, or a file a source needs, is not there."""


@dataclass(frozen=True)
class Source:
    """A labeled source: where its files are, its licence, and its label mapping."""

    name: str
    title: str
    files: tuple[str, ...]
    licence: str
    script: str
    mapping: Mapping[str, Any]
    load: Callable[[Path, int | None], pd.DataFrame] = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "files": list(self.files),
            "licence": self.licence,
            "script": self.script,
            "mapping": _jsonable(self.mapping),
        }


# ---------------------------------------------------------------------------------------------
# Label encoding


_INDEX = {name: {label: i for i, label in enumerate(task(name).labels)} for name in LABEL_COLUMNS[1:]}


def encode(hate: bool, type_: Label = None, target: Label = None, severity: Label = None) -> tuple[int, int, int, int]:
    """Label indices for (binary, type, target, severity); None -> IGNORE_INDEX; not hate -> all 0."""
    if not hate:
        return (0, 0, 0, 0)
    out = [1]
    for name, label in (("type", type_), ("target", target), ("severity", severity)):
        if label is None:
            out.append(IGNORE_INDEX)
            continue
        index = _INDEX[name][label]
        if index == 0:
            raise ValueError(f"a hateful row cannot have {name} {label!r}")
        out.append(index)
    return tuple(out)  # type: ignore[return-value]


def _lookup(mapping: Mapping[Any, Label], key: Any, source: str) -> Label:
    try:
        return mapping[key]
    except KeyError:
        raise ValueError(f"{source}: unmapped label {key!r}; known: {sorted(map(str, mapping))}") from None


def _first(atoms: Iterable[str], priority: Sequence[tuple[str, str]]) -> Label:
    """The label of the first (atom, label) pair in `priority` whose atom is among `atoms`."""
    present = set(atoms)
    return next((label for atom, label in priority if atom in present), None)


def _frame(rows: list[tuple], origin: str) -> pd.DataFrame:
    """Rows of (text, (binary, type, target, severity), type_fine, target_fine) -> a RAW_COLUMNS frame."""
    records = [(text, *labels, type_fine, target_fine, origin) for text, labels, type_fine, target_fine in rows]
    frame = pd.DataFrame.from_records(records, columns=list(RAW_COLUMNS))
    return frame.astype({c: "int64" for c in LABEL_COLUMNS})


def _path(data_dir: Path, rel: str) -> Path:
    path = Path(data_dir) / rel
    if not path.is_file():
        raise MissingDataError(f"data file not found: {path} (pass the shared/data folder with --data-dir)")
    return path


def _read_csv(data_dir: Path, rel: str, limit: int | None, **kwargs: Any) -> pd.DataFrame:
    return pd.read_csv(_path(data_dir, rel), nrows=limit, encoding="utf-8-sig", **kwargs)


def _read_blp25(data_dir: Path, rel: str, limit: int | None) -> pd.DataFrame:
    return _read_csv(data_dir, rel, limit, sep="\t", quoting=csv.QUOTE_NONE, keep_default_na=False, dtype=str)


def _texts(column: pd.Series) -> list[str]:
    return ["" if pd.isna(t) else str(t) for t in column]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# BLP-2025 Task 1 (BanglaMultiHate), dev split

BLP25_FILES = ("blp25_multihate/blp25_hatespeech_subtask_1C_dev.tsv",)
BLP25_UNLABELED_FILES = (
    "blp25_multihate/blp25_hatespeech_dev_test_unlabeled.tsv",
    "blp25_multihate/blp25_hatespeech_test_unlabeled.tsv",
)
OFFICIAL_TEST_FILES = (
    *BLP25_UNLABELED_FILES,
    "bdshs/test.csv",
    "vitd_blp2023/test.csv",
    "tb_olid/test.json",
)
"""Files that are the official test sets of their shared tasks / papers: never pre-training text."""
BLP25_MAPPING = {
    "binary": "hate_type != 'None'",
    "type": {"Abusive": "abusive", "Profane": "abusive", "Sexism": "gender", "Political Hate": "others", "Religious Hate": "others"},
    "target": {"Individual": "individual", "Community": "group", "Organization": "others", "Society": "others", "None": None},
    "severity": {"Little to None": "low", "Mild": "medium", "Severe": "high"},
}


def load_blp25(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    m = BLP25_MAPPING
    rows = []
    for rel in BLP25_FILES:
        df = _read_blp25(data_dir, rel, limit)
        for text, type_, sev, whom in zip(df["text"], df["hate_type"], df["hate_severity"], df["to_whom"]):
            hate = type_ != "None"
            labels = encode(
                hate,
                _lookup(m["type"], type_, "blp25") if hate else None,
                _lookup(m["target"], whom, "blp25") if hate else None,
                _lookup(m["severity"], sev, "blp25") if hate else None,
            )
            rows.append((text, labels, type_, whom))
    return _frame(rows, BLP25_FILES[0])


# ---------------------------------------------------------------------------------------------
# BD-SHS, val + test

BDSHS_FILES = ("bdshs/val.csv", "bdshs/test.csv")
BDSHS_MAPPING = {
    "binary": "hate speech",
    "type": {
        "rule": "first atom of `type` (split on '_') in priority order",
        "priority": [["gender", "gender"], ["religion", "others"], ["callToViolence", "others"],
                     ["slander", "personal if target is individual, else abusive"]],
    },
    "target": {"rule": "atoms of `target` (split on '_')", "contains group": "group",
               "only ind/male/female": "individual"},
    "severity": {"callToViolence in type": "high", "else": None},
}
_BDSHS_TYPE = (("gender", "gender"), ("religion", "others"), ("callToViolence", "others"))
_BDSHS_INDIVIDUAL = {"ind", "male", "female"}


def _bdshs_labels(hate: int, type_: str, target: str) -> tuple[int, int, int, int]:
    if not hate:
        return encode(False)
    t_atoms = set(type_.split("_")) if type_ else set()
    g_atoms = set(target.split("_")) if target else set()
    if "group" in g_atoms:
        tgt: Label = "group"
    elif g_atoms and g_atoms <= _BDSHS_INDIVIDUAL:
        tgt = "individual"
    elif not g_atoms:
        tgt = None
    else:
        raise ValueError(f"bdshs: unmapped target {target!r}")
    typ = _first(t_atoms, _BDSHS_TYPE)
    if typ is None and "slander" in t_atoms:
        typ = "personal" if tgt == "individual" else "abusive"
    if t_atoms - {"gender", "religion", "callToViolence", "slander"}:
        raise ValueError(f"bdshs: unmapped type {type_!r}")
    return encode(True, typ, tgt, "high" if "callToViolence" in t_atoms else None)


def load_bdshs(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    frames = []
    for rel in BDSHS_FILES:
        df = _read_csv(data_dir, rel, limit, keep_default_na=False, dtype={"sentence": str, "target": str, "type": str})
        rows = [
            (text, _bdshs_labels(int(hate), typ, tgt), typ, tgt)
            for text, typ, tgt, hate in zip(df["sentence"], df["type"], df["target"], df["hate speech"])
        ]
        frames.append(_frame(rows, rel))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Multi-labeled Bengali Toxic Comments (MLTC)

MLTC_FILES = ("multilabel_toxic/Multi_labeled_toxic_comments.csv",)
_MLTC_FLAGS = ("vulgar", "hate", "religious", "threat", "troll", "Insult")
MLTC_MAPPING = {
    "binary": "any of " + "/".join(_MLTC_FLAGS),
    "type": {"rule": "first set flag in priority order",
             "priority": [["religious", "others"], ["threat", "others"], ["hate", "others"], ["vulgar", "abusive"],
                          ["Insult", "personal"], ["troll", "personal"]]},
    "target": None,
    "severity": {"threat": "high", "else": None},
}


def _flag_source(
    data_dir: Path, rel: str, limit: int | None, text_col: str, flags: Sequence[str], mapping: Mapping[str, Any],
    target_priority: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Sources with 0/1 flag columns: hate = any flag; type/target by flag priority; threat -> high."""
    df = _read_csv(data_dir, rel, limit)
    df = df[df[text_col].notna()]
    type_priority = [tuple(p) for p in mapping["type"]["priority"]]
    on = df[list(flags)].astype(float).fillna(0).astype(int).to_numpy().astype(bool)  # numeric first: no downcast
    rows = []
    for text, row in zip(_texts(df[text_col]), on):
        atoms = [f for f, v in zip(flags, row) if v]
        fine = "_".join(atoms)
        labels = encode(
            bool(atoms),
            _first(atoms, type_priority),
            _first(atoms, target_priority),
            "high" if "threat" in atoms else None,
        )
        rows.append((text, labels, fine, ""))
    return _frame(rows, rel)


def load_multilabel_toxic(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    return _flag_source(data_dir, MLTC_FILES[0], limit, "text", _MLTC_FLAGS, MLTC_MAPPING)


# ---------------------------------------------------------------------------------------------
# Bangla-Abusive-Comment-Dataset

ABUSIVE_FILES = ("bangla_abusive_comments/train_data.csv",)
_ABUSIVE_FLAGS = ("toxic", "threat", "obscene", "insult", "racism")
ABUSIVE_MAPPING = {
    "binary": "any of " + "/".join(_ABUSIVE_FLAGS),
    "type": {"rule": "first set flag in priority order",
             "priority": [["racism", "others"], ["threat", "others"], ["obscene", "abusive"], ["insult", "personal"],
                          ["toxic", "abusive"]]},
    "target": {"racism": "group", "else": None},
    "severity": {"threat": "high", "else": None},
}


def load_bangla_abusive(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    return _flag_source(data_dir, ABUSIVE_FILES[0], limit, "comment_text", _ABUSIVE_FLAGS, ABUSIVE_MAPPING,
                        target_priority=(("racism", "group"),))


# ---------------------------------------------------------------------------------------------
# Karim et al. Bengali Hate Speech v1 / v2 (all rows hateful)

KARIM_V1_FILES = ("karim_bengali_hate/bengali_hate_v1.0.tsv",)
KARIM_V2_FILES = ("karim_bengali_hate/bengali_hate_v2.0.csv",)
_KARIM_TARGET = {"Personal": "individual", "Gender abusive": "gender", "Religious": "group",
                 "Geopolitical": "group", "Political": "others"}
KARIM_V1_MAPPING = {
    "binary": "1 (every row is hateful)",
    "type": {"Personal": "personal", "Gender abusive": "gender", "Political": "others", "Religious": "others",
             "Geopolitical": "others"},
    "target": _KARIM_TARGET,
    "severity": None,
}
KARIM_V2_MAPPING = {
    "binary": "1 (every row is hateful)",
    "type": {"Personal": "personal", "Political": "others", "Religious": "others", "Geopolitical": "others"},
    "target": {k: v for k, v in _KARIM_TARGET.items() if k != "Gender abusive"},
    "severity": None,
}


def _karim(df: pd.DataFrame, mapping: Mapping[str, Any], name: str, rel: str) -> pd.DataFrame:
    df = df[df["text"].notna()]
    rows = []
    for text, label in zip(_texts(df["text"]), df["label"]):
        label = str(label).strip()
        labels = encode(True, _lookup(mapping["type"], label, name), _lookup(mapping["target"], label, name))
        rows.append((text, labels, label, label))
    return _frame(rows, rel)


def load_karim_v1(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    rel = KARIM_V1_FILES[0]
    return _karim(_read_csv(data_dir, rel, limit, sep="\t"), KARIM_V1_MAPPING, "karim_v1", rel)


def load_karim_v2(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    rel = KARIM_V2_FILES[0]
    return _karim(_read_csv(data_dir, rel, limit), KARIM_V2_MAPPING, "karim_v2", rel)


# ---------------------------------------------------------------------------------------------
# Karim et al. multimodal memes: meme text, train + validate

MEMES_FILES = ("karim_multimodal_memes/train.csv", "karim_multimodal_memes/validate.csv")
MEMES_MAPPING = {
    "binary": "label",
    "type": {"Personal": "personal", "Political": "others", "Religious": "others", "Geopolitical": "others",
             "Neutral": None},
    "target": {"Personal": "individual", "Religious": "group", "Geopolitical": "group", "Political": "others",
               "Neutral": None},
    "severity": None,
}


def load_karim_memes(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    m = MEMES_MAPPING
    frames = []
    for rel in MEMES_FILES:
        df = _read_csv(data_dir, rel, limit)
        df = df[df["Text"].notna()]
        rows = []
        for text, label, context in zip(_texts(df["Text"]), df["label"], df["context"]):
            context = str(context).strip()
            hate = bool(int(label))
            labels = encode(
                hate,
                _lookup(m["type"], context, "karim_memes") if hate else None,
                _lookup(m["target"], context, "karim_memes") if hate else None,
            )
            rows.append((text, labels, context, context))
        frames.append(_frame(rows, rel))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# BanglaHateBERT (full file)

BHB_FILES = ("banglahatebert/Bangla_hate_dataset.csv",)
BHB_MAPPING = {
    "binary": "label",
    "type": {"rule": "first code of `categories` (split on '_' ',' or space) in priority order",
             "priority": [["se", "gender"], ["ho", "gender"], ["re", "others"], ["ge", "others"], ["po", "others"],
                          ["xe", "others"], ["ra", "others"], ["pe", "personal"], ["de", "personal"],
                          ["in", "personal"], ["cu", "abusive"], ["th", "others"]],
             "note": "sc and typo codes are ignored (masked if nothing else is set); 'normal' is read as 'no'"},
    "target": {"rule": "first code in priority order",
               "priority": [["pe", "individual"], ["de", "individual"], ["in", "individual"], ["se", "gender"],
                            ["re", "group"], ["xe", "group"], ["ra", "group"], ["ge", "group"], ["ho", "group"],
                            ["po", "others"]]},
    "severity": {"th": "high", "else": None},
}
_BHB_SPLIT = re.compile(r"[_,\s]+")


def load_banglahatebert(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    rel = BHB_FILES[0]
    df = _read_csv(data_dir, rel, limit, dtype={"categories": str})
    df = df[df["post"].notna()]
    type_priority = [tuple(p) for p in BHB_MAPPING["type"]["priority"]]
    target_priority = [tuple(p) for p in BHB_MAPPING["target"]["priority"]]
    rows = []
    for text, cats, label in zip(_texts(df["post"]), df["categories"].fillna(""), df["label"]):
        atoms = {"no" if a == "normal" else a for a in _BHB_SPLIT.split(cats.strip().lower()) if a}
        labels = encode(
            bool(int(label)),
            _first(atoms, type_priority),
            _first(atoms, target_priority),
            "high" if "th" in atoms else None,
        )
        rows.append((text, labels, cats, cats))
    return _frame(rows, rel)


# ---------------------------------------------------------------------------------------------
# BLP-2023 Task 1 VITD (Vio-Lens), train + dev + test

VITD_FILES = ("vitd_blp2023/train.csv", "vitd_blp2023/dev.csv", "vitd_blp2023/test.csv")
VITD_NAMES = {0: "Non-Violence", 1: "Passive Violence", 2: "Direct Violence"}
VITD_MAPPING = {
    "binary": "label 1 or 2 (0 = Non-Violence)",
    "type": {"Passive Violence": "abusive", "Direct Violence": "others"},
    "target": None,
    "severity": {"Passive Violence": "medium", "Direct Violence": "high"},
}


def load_vitd(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    m = VITD_MAPPING
    frames = []
    for rel in VITD_FILES:
        df = _read_csv(data_dir, rel, limit)
        df = df[df["text"].notna()]
        rows = []
        for text, label in zip(_texts(df["text"]), df["label"]):
            name = _lookup(VITD_NAMES, int(label), "vitd")
            hate = int(label) > 0
            labels = encode(hate, m["type"][name] if hate else None, None, m["severity"][name] if hate else None)
            rows.append((text, labels, name, ""))
        frames.append(_frame(rows, rel))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# TB-OLID (romanized / code-mixed Bangla), train + test

TB_OLID_FILES = ("tb_olid/train.json", "tb_olid/test.json")
TB_OLID_MAPPING = {
    "binary": "offensive_gold O -> 1, N -> 0",
    "type": None,
    "target": {"I": "individual", "G": "group", "U": None},
    "severity": None,
}


def load_tb_olid(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    frames = []
    for rel in TB_OLID_FILES:
        records = json.loads(_path(data_dir, rel).read_text(encoding="utf-8"))[:limit]
        rows = []
        for r in records:
            off, tgt = r["offensive_gold"], r.get("target_gold") or ""
            hate = _lookup({"O": True, "N": False}, off, "tb_olid")
            labels = encode(hate, None, _lookup(TB_OLID_MAPPING["target"], tgt, "tb_olid") if hate else None)
            rows.append((r.get("text") or "", labels, off, tgt))
        frames.append(_frame(rows, rel))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Banglish Hate Speech Dataset (romanized, silver)

BANGLISH_FILES = ("banglish_hate/Banglish_Hate_Speech_Dataset.csv",)
BANGLISH_MAPPING = {
    "binary": "Hate Yes -> 1, No -> 0",
    "type": {"Sexual": "gender", "Slang": "abusive", "Appearance": "personal", "Religious": "others",
             "Racial": "others", "Others": "others"},
    "target": {"Appearance": "individual", "else": None},
    "severity": None,
}


def load_banglish(data_dir: Path, limit: int | None = None) -> pd.DataFrame:
    rel = BANGLISH_FILES[0]
    df = _read_csv(data_dir, rel, limit)
    df = df[df["Comment"].notna()]
    rows = []
    for text, hate_s, type_ in zip(_texts(df["Comment"]), df["Hate"], df["Type"]):
        hate = _lookup({"Yes": True, "No": False}, str(hate_s).strip(), "banglish")
        type_ = str(type_).strip()
        labels = encode(
            hate,
            _lookup(BANGLISH_MAPPING["type"], type_, "banglish") if hate else None,
            BANGLISH_MAPPING["target"].get(type_) if hate else None,
        )
        rows.append((text, labels, type_, ""))
    return _frame(rows, rel)


# ---------------------------------------------------------------------------------------------

NOT_STATED = "not stated"
SOURCES: tuple[Source, ...] = (
    Source("blp25_multihate", "BLP-2025 Task 1 BanglaMultiHate (dev split)", BLP25_FILES,
           "CC BY-NC-SA 4.0", "bn", BLP25_MAPPING, load_blp25),
    Source("bdshs", "BD-SHS (Romim et al., LREC 2022), val + test", BDSHS_FILES,
           "MIT", "bn", BDSHS_MAPPING, load_bdshs),
    Source("vitd_blp2023", "BLP-2023 Task 1 VITD (Vio-Lens), train + dev + test", VITD_FILES,
           NOT_STATED, "bn", VITD_MAPPING, load_vitd),
    Source("tb_olid", "TB-OLID transliterated Bangla OLID, train + test", TB_OLID_FILES,
           "AGPL-3.0", "latin", TB_OLID_MAPPING, load_tb_olid),
    Source("banglahatebert", "BanglaHateBERT dataset (Jahan et al. 2022), full file", BHB_FILES,
           NOT_STATED, "bn", BHB_MAPPING, load_banglahatebert),
    Source("karim_v2", "Bengali Hate Speech Dataset v2.0 (Karim et al.)", KARIM_V2_FILES,
           "MIT (README: research use only)", "bn", KARIM_V2_MAPPING, load_karim_v2),
    Source("karim_v1", "Bengali Hate Speech Dataset v1.0 (Karim et al.)", KARIM_V1_FILES,
           "MIT (README: research use only)", "bn", KARIM_V1_MAPPING, load_karim_v1),
    Source("karim_memes", "Multimodal Hate Bengali memes (SPELLL 2022): meme text, train + validate", MEMES_FILES,
           NOT_STATED, "bn", MEMES_MAPPING, load_karim_memes),
    Source("multilabel_toxic", "Multi-labeled Bengali Toxic Comments (ECCE 2023)", MLTC_FILES,
           NOT_STATED, "bn", MLTC_MAPPING, load_multilabel_toxic),
    Source("bangla_abusive_comments", "Bangla-Abusive-Comment-Dataset (aimansnigdha)", ABUSIVE_FILES,
           NOT_STATED, "bn", ABUSIVE_MAPPING, load_bangla_abusive),
    Source("banglish_hate", "Banglish Hate Speech Dataset (srikta, silver)", BANGLISH_FILES,
           NOT_STATED, "latin", BANGLISH_MAPPING, load_banglish),
)
"""All labeled sources, highest priority first (see the module docstring)."""

SOURCE_NAMES: tuple[str, ...] = tuple(s.name for s in SOURCES)


def source(name: str) -> Source:
    for s in SOURCES:
        if s.name == name:
            return s
    raise KeyError(f"unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}")


def check_data_dir(data_dir: Path) -> Path:
    """`data_dir` as a Path, or MissingDataError naming it and the --data-dir option."""
    path = Path(data_dir)
    if not path.is_dir():
        raise MissingDataError(f"data folder not found: {path} (pass the shared/data folder with --data-dir)")
    return path
