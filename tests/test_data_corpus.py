"""Source adapters and the merged corpus, on small slices of the real data (`data_dir`: $BANGLAHATE_SHARED/data)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from banglahate_gui.data import SOURCES, Corpus, MissingDataError, build_corpus, unlabeled_texts
from banglahate_gui.data.corpus import frozen_test_ids, row_ids
from banglahate_gui.data.sources import OFFICIAL_TEST_FILES
from banglahate_gui.data.corpus import CARD_JSON, CARD_MD, COLUMNS, SPLITS
from banglahate_gui.data.moderation_labels import EXTRA_COLUMNS
from banglahate_gui.data.sources import LABEL_COLUMNS, encode, source
from banglahate_gui.errors import BanglaHateError
from banglahate_gui.model.schema import IGNORE_INDEX, task
from banglahate_gui.text import normalize

M = IGNORE_INDEX


@pytest.fixture(scope="module")
def slices(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The first 10 rows of every file of every source, through its adapter."""
    return {s.name: s.load(data_dir, 10) for s in SOURCES}


@pytest.fixture(scope="module")
def small_corpus(data_dir: Path) -> Corpus:
    return build_corpus(data_dir, limit=300)


def _labels(frame: pd.DataFrame, row: int) -> tuple[int, ...]:
    return tuple(int(v) for v in frame.loc[row, list(LABEL_COLUMNS)])


def _idx(name: str, label: str) -> int:
    return task(name).index(label)


P, AB, G, O = (_idx("type", x) for x in ("personal", "abusive", "gender", "others"))  # noqa: E741
IND, TG, GRP, TO = (_idx("target", x) for x in ("individual", "gender", "group", "others"))
LOW, MED, HIGH = (_idx("severity", x) for x in ("low", "medium", "high"))


# Known rows: (source, row in the 10-rows-per-file slice, original label strings, expected labels).
KNOWN_ROWS = [
    ("blp25_multihate", 0, ("Abusive", "Organization"), (1, AB, TO, LOW)),
    ("blp25_multihate", 1, ("None", "None"), (0, 0, 0, 0)),
    ("blp25_multihate", 3, ("Abusive", "Community"), (1, AB, GRP, MED)),
    ("blp25_multihate", 7, ("Profane", "Individual"), (1, AB, IND, HIGH)),
    ("bdshs", 0, ("slander", "male"), (1, P, IND, M)),
    ("bdshs", 2, ("callToViolence_gender", "female"), (1, G, IND, HIGH)),
    ("bdshs", 6, ("callToViolence_slander", "male"), (1, O, IND, HIGH)),
    ("bdshs", 13, ("slander", "group"), (1, AB, GRP, M)),
    ("bdshs", 15, ("religion_slander", "group"), (1, O, GRP, M)),
    ("vitd_blp2023", 0, ("Passive Violence", ""), (1, AB, M, MED)),
    ("vitd_blp2023", 1, ("Non-Violence", ""), (0, 0, 0, 0)),
    ("vitd_blp2023", 2, ("Direct Violence", ""), (1, O, M, HIGH)),
    ("tb_olid", 0, ("N", ""), (0, 0, 0, 0)),
    ("tb_olid", 5, ("O", "G"), (1, M, GRP, M)),
    ("tb_olid", 6, ("O", "I"), (1, M, IND, M)),
    ("tb_olid", 8, ("O", "U"), (1, M, M, M)),
    ("banglahatebert", 1, ("xe", "xe"), (1, O, GRP, M)),
    ("banglahatebert", 3, ("ho", "ho"), (1, G, GRP, M)),
    ("banglahatebert", 4, ("no", "no"), (0, 0, 0, 0)),
    ("banglahatebert", 7, ("pe_se", "pe_se"), (1, G, IND, M)),
    ("banglahatebert", 8, ("po_th", "po_th"), (1, O, TO, HIGH)),
    ("karim_v2", 0, ("Personal", "Personal"), (1, P, IND, M)),
    ("karim_v2", 1, ("Political", "Political"), (1, O, TO, M)),
    ("karim_v1", 0, ("Geopolitical", "Geopolitical"), (1, O, GRP, M)),
    ("karim_v1", 6, ("Gender abusive", "Gender abusive"), (1, G, TG, M)),
    ("karim_memes", 0, ("Religious", "Religious"), (1, O, GRP, M)),
    ("karim_memes", 5, ("Neutral", "Neutral"), (0, 0, 0, 0)),
    ("karim_memes", 7, ("Personal", "Personal"), (1, P, IND, M)),
    ("multilabel_toxic", 0, ("threat", ""), (1, O, M, HIGH)),
    ("multilabel_toxic", 1, ("", ""), (0, 0, 0, 0)),
    ("multilabel_toxic", 6, ("troll", ""), (1, P, M, M)),
    ("multilabel_toxic", 7, ("vulgar_Insult", ""), (1, AB, M, M)),
    ("bangla_abusive_comments", 0, ("toxic_insult", ""), (1, P, M, M)),
    ("bangla_abusive_comments", 1, ("toxic_obscene_insult", ""), (1, AB, M, M)),
    ("bangla_abusive_comments", 4, ("toxic_racism", ""), (1, O, GRP, M)),
    ("banglish_hate", 1, ("Sexual", ""), (1, G, M, M)),
    ("banglish_hate", 3, ("Slang", ""), (1, AB, M, M)),
    ("banglish_hate", 6, ("Not Hate", ""), (0, 0, 0, 0)),
]


@pytest.mark.parametrize(("name", "row", "fine", "expected"), KNOWN_ROWS)
def test_known_rows_map_to_schema(slices, name, row, fine, expected):
    frame = slices[name]
    assert (frame.loc[row, "type_fine"], frame.loc[row, "target_fine"]) == fine
    assert _labels(frame, row) == expected


# Tasks each source never labels: masked on every hateful row.
NEVER_LABELED = {
    "vitd_blp2023": ("target",),
    "tb_olid": ("type", "severity"),
    "karim_v1": ("severity",),
    "karim_v2": ("severity",),
    "karim_memes": ("severity",),
    "multilabel_toxic": ("target",),
    "banglish_hate": ("severity",),
}


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.name)
def test_adapter_masking_invariants_on_full_file(data_dir, src):
    frame = src.load(data_dir, None)
    assert len(frame) > 1000
    labels = frame[list(LABEL_COLUMNS)]
    hate = frame["binary"] == 1
    assert set(frame["binary"]) <= {0, 1}
    assert (labels[~hate] == 0).all().all(), "non-hateful rows must have none/not_hate aux labels"
    for name in LABEL_COLUMNS[1:]:
        values = frame.loc[hate, name]
        assert ((values > 0) & (values < task(name).num_labels) | (values == M)).all()
    for name in NEVER_LABELED.get(src.name, ()):
        assert (frame.loc[hate, name] == M).all()
    assert src.licence and set(src.mapping) == set(LABEL_COLUMNS)


def test_blp25_hateful_rows_without_target_are_masked(data_dir):
    frame = source("blp25_multihate").load(data_dir, None)
    no_target = (frame["binary"] == 1) & (frame["target_fine"] == "None")
    assert no_target.sum() == 72  # upstream cross-tab of this 2,112-row file
    assert (frame.loc[no_target, "target"] == M).all()
    assert (frame.loc[frame["binary"] == 1, "severity"] != M).all()  # the only source with gold severity
    assert len(frame) == 2112 and frame["binary"].sum() == 2112 - 1220


def test_full_file_counts_follow_the_mapping(data_dir):
    assert (source("karim_v2").load(data_dir, None)["binary"] == 1).all()
    vitd = source("vitd_blp2023").load(data_dir, None)
    assert len(vitd) == 6046
    assert (vitd["severity"] == HIGH).sum() == 389 + 196 + 201  # Direct Violence in train/dev/test
    banglish = source("banglish_hate").load(data_dir, None)
    appearance = banglish[banglish["type_fine"] == "Appearance"]
    assert len(appearance) == 410
    assert {tuple(r) for r in appearance[list(LABEL_COLUMNS)].to_numpy()} == {(1, P, IND, M)}


def test_encode_rejects_none_label_for_hate():
    assert encode(False, "personal", "group", "high") == (0, 0, 0, 0)
    assert encode(True) == (1, M, M, M)
    with pytest.raises(ValueError):
        encode(True, "not_hate")


def _write_blp25(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["id\ttext\thate_type\thate_severity\tto_whom"]
    lines += [f"{i}\t{t}\t{ht}\t{sev}\t{whom}" for i, (t, ht, sev, whom) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_bdshs(path: Path, rows: list[tuple[str, str, str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sentence", "target", "type", "hate speech"])
        w.writerows(rows)


def test_dedupe_keeps_higher_priority_copy_and_counts_conflicts(tmp_path):
    blp = "blp25_multihate/blp25_hatespeech_subtask_1C_dev.tsv"
    _write_blp25(tmp_path / blp, [
        ("তুই একটা চোর", "Abusive", "Mild", "Individual"),   # also in BD-SHS, labels compatible
        ("ভালো খেলা হয়েছে", "None", "Little to None", "None"),  # in BD-SHS as hate: conflict
        *[(f"সাধারণ মন্তব্য {chr(0x0995 + i)}", "None", "Little to None", "None") for i in range(20)],
    ])
    rows = [
        ("তুই  একটা চোর!!!!", "ind", "slander", 1),  # normalizes to "তুই একটা চোর!!": a distinct text
        ("তুই একটা চোর", "ind", "slander", 1),
        ("ভালো   খেলা হয়েছে", "group", "slander", 1),
        ("ভালো খেলা হয়েছে", "", "", 0),  # same source, same text, compatible with the kept BLP copy
        ("x", "", "", 0),  # too short
        *[(f"অন্য মন্তব্য {chr(0x0995 + i)}", "", "", 0) for i in range(20)],
    ]
    _write_bdshs(tmp_path / "bdshs/val.csv", rows)
    _write_bdshs(tmp_path / "bdshs/test.csv", rows[:1])
    corpus = build_corpus(tmp_path, sources=["bdshs", "blp25_multihate"])
    df, st = corpus.frame, corpus.stats
    assert st.raw_rows == 22 + 25 + 1 and st.too_short == 1
    assert df["text"].is_unique
    thief = df[df["text"] == "তুই একটা চোর"]
    assert list(thief["source"]) == ["blp25_multihate"]
    assert _labels(thief.reset_index(drop=True), 0) == (1, AB, IND, MED)
    good = df[df["text"] == normalize("ভালো খেলা হয়েছে")]
    assert list(good["source"]) == ["blp25_multihate"] and int(good["binary"].iloc[0]) == 0
    # dropped: bdshs "তুই একটা চোর" (type personal vs abusive: conflict), two "ভালো খেলা হয়েছে" (one
    # hate: conflict, one not: duplicate), and the repeated "তুই একটা চোর!!" from test.csv (duplicate).
    assert st.conflicts == 2 and st.duplicates == 2
    assert st.conflicts_by_task["binary"] == 1 and st.conflicts_by_task["type"] == 2
    assert st.cross_source == 3 and st.overlaps == {"bdshs>blp25_multihate": 3}
    assert st.conflicts_by_pair == {"bdshs>blp25_multihate": 2}
    assert len(df) == st.raw_rows - st.too_short - st.duplicates - st.conflicts


def test_dedupe_on_real_overlap_prefers_karim_v2_over_v1(data_dir):
    corpus = build_corpus(data_dir, sources=["karim_v1", "karim_v2"])
    v2 = source("karim_v2").load(data_dir, None)
    v2_texts = {normalize(t) for t in v2["text"]}
    kept_v1 = corpus.frame[corpus.frame["source"] == "karim_v1"]
    assert len(kept_v1) > 1000 and not set(kept_v1["text"]) & v2_texts
    assert corpus.stats.overlaps["karim_v1>karim_v2"] > 900  # SOURCES.md: 1,037 shared texts
    assert corpus.frame["text"].is_unique
    assert set(corpus.frame.loc[corpus.frame["source"] == "karim_v2", "text"]) == v2_texts - {""}


def test_split_is_deterministic_and_proportional(data_dir, small_corpus):
    again = build_corpus(data_dir, limit=300)
    pd.testing.assert_frame_equal(small_corpus.frame, again.frame)
    other = build_corpus(data_dir, limit=300, seed=7)
    assert (other.frame["split"] != small_corpus.frame["split"]).any()
    regular = small_corpus.frame[small_corpus.frame["official_test"] == ""]  # official test rows: test or heldout
    shares = regular["split"].value_counts(normalize=True)
    for split, ratio in {"train": 0.75, "validation": 0.10, "test": 0.15}.items():
        assert shares[split] == pytest.approx(ratio, abs=0.015)
    for name, part in regular.groupby("source"):
        if len(part) >= 200:
            assert part["split"].eq("train").mean() == pytest.approx(0.75, abs=0.03), name


def test_corpus_frame_is_normalized_and_typed(small_corpus):
    df = small_corpus.frame
    assert list(df.columns) == list(COLUMNS)
    assert set(df["source"]) == {s.name for s in SOURCES}
    assert df["text"].is_unique and (df["text"].str.len() >= 2).all()
    assert all(normalize(t) == t for t in df["text"].head(500))
    assert all(str(df[c].dtype) == "int64" for c in (*LABEL_COLUMNS, *EXTRA_COLUMNS))
    assert set(df["split"]) == set(SPLITS)


def test_card_counts_match_frame_and_roundtrip(tmp_path, small_corpus):
    df = small_corpus.frame
    card = small_corpus.card()
    assert card["rows"] == len(df) == sum(card["splits"].values())
    assert sum(s["rows"] for s in card["sources"].values()) == len(df)
    for name in LABEL_COLUMNS:
        counts = card["labels"][name]
        assert sum(counts.values()) == len(df)
        assert counts["masked"] == (df[name] == M).sum()
        assert card["masked_share"][name] == pytest.approx((df[name] == M).mean(), abs=1e-4)
        for i, label in enumerate(task(name).labels):
            assert counts[label] == (df[name] == i).sum()
            assert sum(card["labels_by_split"][s][name][label] for s in SPLITS) == counts[label]
    for name, s in card["sources"].items():
        assert s["splits"]["test"] == ((df["source"] == name) & (df["split"] == "test")).sum()
    assert card["sources"]["blp25_multihate"]["licence"] == "CC BY-NC-SA 4.0"
    assert card["sources"]["tb_olid"]["licence"] == "AGPL-3.0"

    out = small_corpus.save(tmp_path / "corpus")
    assert json.loads((out / CARD_JSON).read_text(encoding="utf-8")) == json.loads(json.dumps(card))
    md = (out / CARD_MD).read_text(encoding="utf-8")
    assert f"| 1 | blp25_multihate | {card['sources']['blp25_multihate']['rows']:,} |" in md
    loaded = Corpus.load(out)
    pd.testing.assert_frame_equal(loaded.frame, df, check_dtype=False)
    assert loaded.stats == small_corpus.stats and loaded.card() == card


def test_unlabeled_texts_are_normalized_unique_and_leave_out_every_test_text(data_dir, small_corpus):
    texts = unlabeled_texts(data_dir, small_corpus)
    df = small_corpus.frame
    assert len(texts) == len(set(texts)) > len(df) // 2
    assert all(normalize(t) == t and len(t) >= 2 for t in texts)
    assert not set(texts) & set(df.loc[df["split"] == "test", "text"])
    assert not set(texts) & set(df.loc[df["origin"].isin(OFFICIAL_TEST_FILES), "text"])
    assert set(df.loc[(df["split"] == "train") & ~df["origin"].isin(OFFICIAL_TEST_FILES), "text"]) <= set(texts)


@pytest.fixture(scope="module")
def full_corpus(data_dir: Path) -> Corpus:
    return build_corpus(data_dir)


def test_test_split_reproduces_the_frozen_ids(full_corpus):
    frozen = frozen_test_ids()
    assert len(frozen) > 9000
    assert set(row_ids(full_corpus.subset("test"))) == frozen


def test_no_training_or_calibration_stage_sees_a_test_row(data_dir, full_corpus):
    """Train (encoders, lexical member), validation (fusion, temperatures, offsets) and pre-training text
    never hold a frozen test id, nor (pre-training) a text of an official test file."""
    frozen = frozen_test_ids()
    for split in ("train", "validation"):
        assert not set(row_ids(full_corpus.subset(split))) & frozen, split
    test_texts = set(full_corpus.subset("test")["text"])
    df = full_corpus.frame
    official = set(df.loc[df["origin"].isin(OFFICIAL_TEST_FILES), "text"])
    pretrain = set(unlabeled_texts(data_dir, full_corpus))
    assert official and not pretrain & test_texts and not pretrain & official


@pytest.mark.parametrize("rel", ["vitd_blp2023/test.csv", "bdshs/test.csv", "tb_olid/test.json"])
def test_official_test_files_train_nothing(data_dir, full_corpus, rel):
    """Every text of an official test file (read from the file itself, whichever source's copy was kept) is in the
    test or heldout split, never in train/validation nor in the pre-training text; the VITD test file keeps its
    violence labels for the evaluation."""
    owner = next(s for s in SOURCES if rel in s.files)
    raw = owner.load(data_dir, None)
    texts = {normalize(t) for t in raw.loc[raw["origin"] == rel, "text"]} - {""}
    df = full_corpus.frame
    rows = df[df["text"].isin(texts)]
    assert len(rows) > 0.9 * len(texts)
    assert set(rows["split"]) <= {"test", "heldout"} and (rows["official_test"] != "").all()
    trained = set(df.loc[df["split"].isin(("train", "validation")), "text"]) | set(unlabeled_texts(data_dir, full_corpus))
    assert not trained & texts
    if rel.startswith("vitd"):
        assert (rows["violence"] != M).mean() > 0.99 and rows["violence"].nunique() == 3


def test_extra_task_labels_follow_their_sources(full_corpus):
    """violence only where VITD labels it; toxicity from MLTC (all six flags) and Bangla-Abusive (three), taken
    over from a dropped MLTC copy when a higher-priority source kept the text."""
    df = full_corpus.frame
    labelled = df.loc[df["violence"] != M, "source"]
    above_vitd = {s.name for s in SOURCES[:[s.name for s in SOURCES].index("vitd_blp2023") + 1]}
    assert set(labelled) <= above_vitd and (labelled == "vitd_blp2023").mean() > 0.95  # merged only from VITD
    tox = [c for c in EXTRA_COLUMNS if c.startswith("toxicity_")]
    assert len(tox) == 6
    known = df[tox] != M
    assert set(df.loc[known["toxicity_hate"], "source"]) > {"multilabel_toxic"}  # merged into other sources' rows
    abusive_only = known["toxicity_vulgar"] & ~known["toxicity_hate"]  # Bangla-Abusive labels three of the six
    assert abusive_only.sum() > 1000
    assert known.loc[abusive_only, ["toxicity_threat", "toxicity_insult"]].all().all()
    assert not known.loc[abusive_only, ["toxicity_religious", "toxicity_troll"]].any().any()
    assert full_corpus.stats.merged_labels["toxicity_hate"] > 1000
    assert set(np.unique(df[tox].to_numpy())) == {M, 0, 1}
    card = full_corpus.card()
    assert card["extra_labels"]["violence"][str(M)] == (df["violence"] == M).sum()


def test_missing_data_dir_names_path_and_option(tmp_path):
    missing = tmp_path / "no-such-data"
    with pytest.raises(MissingDataError) as err:
        build_corpus(missing)
    assert isinstance(err.value, BanglaHateError) and isinstance(err.value, FileNotFoundError)
    assert str(missing) in str(err.value) and "--data-dir" in str(err.value)
    with pytest.raises(MissingDataError, match="bdshs/val.csv"):
        build_corpus(tmp_path, sources=["bdshs"])  # folder exists, file does not
