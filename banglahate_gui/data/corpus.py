"""Merge the sources into one corpus: normalize, drop short texts, dedupe by priority, split, describe.

`build_corpus` applies `banglahate_gui.text.normalize` once, drops texts shorter than `MIN_CHARS`,
keeps one row per normalized text (the copy from the highest-priority source of `SOURCES`; within a
source, the first one) and splits 75/10/15 stratified on source + binary label. A dropped copy counts
as a *duplicate* when its labels agree with the kept row on every task both label, else as a
*conflict* (resolved in favour of the kept row). Labels of dropped copies are not merged in for the four
paper tasks; for the extra moderation tasks (`moderation_labels`) a label the kept row lacks is taken from a
dropped copy (most MLTC texts also occur in higher-priority sources).

Rows whose text occurs in an official test file (`OFFICIAL_TEST_FILES`) never train anything: outside the
test split they go to the `heldout` split (evaluated apart, e.g. violence on the VITD test file), and the
`official_test` column names the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from banglahate_gui.data.sources import (
    LABEL_COLUMNS,
    SOURCE_NAMES,
    SOURCES,
    check_data_dir,
    OFFICIAL_TEST_FILES,
    source,
)
from banglahate_gui.data.moderation_labels import EXTRA_COLUMNS, MAPPING, add_extra_labels
from banglahate_gui.model.schema import IGNORE_INDEX, task
from banglahate_gui.text import NORMALIZER_VERSION, normalize

log = logging.getLogger(__name__)

SEED = 42
MIN_CHARS = 2
SPLITS = ("train", "validation", "test", "heldout")
SPLIT_RATIOS = {"train": 0.75, "validation": 0.10, "test": 0.15}
COLUMNS = ("text", "source", *LABEL_COLUMNS, *EXTRA_COLUMNS, "type_fine", "target_fine", "origin", "official_test",
           "split")
INT_COLUMNS = (*LABEL_COLUMNS, *EXTRA_COLUMNS)
CORPUS_FILE = "corpus.csv"
CARD_JSON = "dataset_card.json"
CARD_MD = "dataset_card.md"
UNLABELED_FILE = "unlabeled.txt"
TEST_IDS_FILE = "test_split_ids.txt"
_MIN_STRATUM = 10
"""Strata smaller than this are pooled into one, so the stratified split never fails."""


@dataclass
class CorpusStats:
    """What `build_corpus` dropped and why."""

    raw_rows: int = 0
    too_short: int = 0
    duplicates: int = 0
    """Dropped copies whose labels agree with the kept row (a masked label agrees with any)."""
    conflicts: int = 0
    """Dropped copies whose labels disagree with the kept row; the higher-priority source won."""
    conflicts_by_task: dict[str, int] = field(default_factory=dict)
    cross_source: int = 0
    """Dropped copies (duplicates or conflicts) whose kept row comes from another source."""
    overlaps: dict[str, int] = field(default_factory=dict)
    """'dropped_source>kept_source' -> rows dropped in favour of the other source's copy."""
    conflicts_by_pair: dict[str, int] = field(default_factory=dict)
    """'dropped_source>kept_source' -> conflicting copies (same-source pairs included)."""
    merged_labels: dict[str, int] = field(default_factory=dict)
    """Extra-task column -> kept rows that took that label from a dropped copy."""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Corpus:
    """The merged corpus: one row per normalized text, with `COLUMNS`, and the build statistics."""

    frame: pd.DataFrame
    stats: CorpusStats
    seed: int = SEED

    def subset(self, split: str) -> pd.DataFrame:
        if split not in SPLITS:
            raise KeyError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
        return self.frame[self.frame["split"] == split].reset_index(drop=True)

    def card(self) -> dict[str, Any]:
        """The dataset card as a JSON-serializable dict; every count comes from `frame`."""
        df = self.frame
        present = [s for s in SOURCES if s.name in set(df["source"])]
        sources = {}
        for s in present:
            part = df[df["source"] == s.name]
            sources[s.name] = {
                **s.to_dict(),
                "priority": SOURCE_NAMES.index(s.name) + 1,
                "rows": len(part),
                "splits": _counts(part["split"], SPLITS),
                "hate_share": round(float((part["binary"] == 1).mean()), 4),
                "masked_share_of_hate": _masked_share(part[part["binary"] == 1]),
            }
        return {
            "name": "banglahate-corpus",
            "normalizer_version": NORMALIZER_VERSION,
            "seed": self.seed,
            "split_ratios": SPLIT_RATIOS,
            "stratify": "source + binary",
            "min_chars": MIN_CHARS,
            "ignore_index": IGNORE_INDEX,
            "rows": len(df),
            "splits": _counts(df["split"], SPLITS),
            "labels": {name: _label_counts(df[name], name) for name in LABEL_COLUMNS},
            "labels_by_split": {
                split: {name: _label_counts(df.loc[df["split"] == split, name], name) for name in LABEL_COLUMNS}
                for split in SPLITS
            },
            "extra_label_mapping": MAPPING,
            "extra_labels": {c: {str(k): int(v) for k, v in df[c].value_counts().sort_index().items()}
                             for c in EXTRA_COLUMNS},
            "official_test_rows": _counts(df.loc[df["official_test"] != "", "split"], SPLITS),
            "masked_share": _masked_share(df),
            "masked_share_of_hate": _masked_share(df[df["binary"] == 1]),
            "dedupe": self.stats.to_dict(),
            "priority": [s.name for s in SOURCES],
            "sources": sources,
        }

    def to_dict(self) -> dict[str, Any]:
        return self.card()

    def save(self, out_dir: Path) -> Path:
        """Write corpus.csv, dataset_card.json and dataset_card.md into `out_dir`; returns `out_dir`."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.frame.to_csv(out / CORPUS_FILE, index=False)
        card = self.card()
        (out / CARD_JSON).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (out / CARD_MD).write_text(render_card(card), encoding="utf-8")
        return out

    @classmethod
    def load(cls, out_dir: Path) -> Corpus:
        out = Path(out_dir)
        for name in (CORPUS_FILE, CARD_JSON):
            if not (out / name).is_file():
                raise FileNotFoundError(f"corpus file not found: {out / name} (build it with `banglahate data`)")
        frame = pd.read_csv(
            out / CORPUS_FILE,
            keep_default_na=False,
            dtype={c: ("int64" if c in INT_COLUMNS else str) for c in COLUMNS},
        )
        card = json.loads((out / CARD_JSON).read_text(encoding="utf-8"))
        return cls(frame[list(COLUMNS)], CorpusStats(**card["dedupe"]), int(card["seed"]))


def build_corpus(
    data_dir: Path,
    *,
    sources: Sequence[str] | None = None,
    limit: int | None = None,
    seed: int = SEED,
) -> Corpus:
    """Read, normalize, dedupe and split all sources (or the named ones, `limit` rows per file)."""
    start = time.perf_counter()
    data_dir = check_data_dir(data_dir)
    chosen = [source(n) for n in sources] if sources is not None else list(SOURCES)
    frames = [
        s.load(data_dir, limit).assign(source=s.name, priority=SOURCE_NAMES.index(s.name))
        for s in sorted(chosen, key=lambda s: SOURCE_NAMES.index(s.name))
    ]
    df = add_extra_labels(pd.concat(frames, ignore_index=True))
    stats = CorpusStats(raw_rows=len(df))
    df["text"] = [normalize(t) for t in df["text"]]
    short = df["text"].str.len() < MIN_CHARS
    stats.too_short = int(short.sum())
    official = df[df["origin"].isin(OFFICIAL_TEST_FILES)].drop_duplicates("text").set_index("text")["origin"]
    df = _dedupe(df[~short], stats)
    df["official_test"] = df["text"].map(official).fillna("")
    split = _split(df, seed)
    split[(df["official_test"] != "").to_numpy() & (split != "test")] = "heldout"
    df["split"] = split
    stats.seconds = round(time.perf_counter() - start, 2)
    log.info("corpus: %d rows from %d raw in %.1fs", len(df), stats.raw_rows, stats.seconds)
    return Corpus(df[list(COLUMNS)].reset_index(drop=True), stats, seed)


def unlabeled_texts(data_dir: Path, corpus: Corpus | None = None) -> list[str]:
    """Normalized, deduplicated texts for masked-LM pre-training: the corpus's train and validation texts.

    Never the corpus's test split, and never a row of an official test file (`OFFICIAL_TEST_FILES`: BD-SHS,
    VITD and TB-OLID test, the unlabeled BLP-25 test files), whatever split it fell in. Pass a `corpus`
    built from the same `data_dir` to reuse it instead of building it again.
    """
    corpus = corpus if corpus is not None else build_corpus(data_dir)
    df = corpus.frame
    keep = df["split"].isin(("train", "validation")) & (df["official_test"] == "")
    return list(dict.fromkeys(t for t in df.loc[keep, "text"] if len(t) >= MIN_CHARS))


def row_ids(frame: pd.DataFrame) -> list[str]:
    """A stable id per corpus row: the first 16 hex digits of sha1(source + TAB + normalized text)."""
    return [hashlib.sha1(f"{s}\t{t}".encode()).hexdigest()[:16] for s, t in zip(frame["source"], frame["text"])]


def frozen_test_ids() -> frozenset[str]:
    """The committed ids of the test split (`data/test_split_ids.txt`): evaluation rows no stage may train on."""
    raw = resources.files("banglahate_gui.data").joinpath(TEST_IDS_FILE).read_text(encoding="ascii")
    return frozenset(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


def main_build(data_dir: Path, out_dir: Path) -> Corpus:
    """CLI entry (`banglahate data`): build the corpus, save it and the card, and write unlabeled.txt."""
    corpus = build_corpus(data_dir)
    out = corpus.save(out_dir)
    texts = unlabeled_texts(data_dir, corpus)
    (out / UNLABELED_FILE).write_text("\n".join(texts) + "\n", encoding="utf-8")
    log.info("wrote %s (%d rows) and %s (%d texts)", out / CORPUS_FILE, len(corpus.frame), out / UNLABELED_FILE, len(texts))
    return corpus


# ---------------------------------------------------------------------------------------------


def _dedupe(df: pd.DataFrame, stats: CorpusStats) -> pd.DataFrame:
    """Keep the highest-priority copy of each text; count dropped copies as duplicates or conflicts."""
    df = df.reset_index(drop=True).rename_axis("order").reset_index()
    df = df.sort_values(["priority", "order"], kind="stable")
    dropped_mask = df.duplicated("text", keep="first").to_numpy()
    kept, dropped = df[~dropped_mask], df[dropped_mask]
    ref = kept.set_index("text").loc[dropped["text"]]
    mine = dropped[list(LABEL_COLUMNS)].to_numpy()
    theirs = ref[list(LABEL_COLUMNS)].to_numpy()
    disagree = (mine != theirs) & (mine != IGNORE_INDEX) & (theirs != IGNORE_INDEX)
    conflict = disagree.any(axis=1)
    stats.conflicts = int(conflict.sum())
    stats.duplicates = int(len(dropped) - stats.conflicts)
    stats.conflicts_by_task = {name: int(disagree[:, i].sum()) for i, name in enumerate(LABEL_COLUMNS)}
    pairs = dropped["source"].to_numpy() + ">" + ref["source"].to_numpy()
    cross = dropped["source"].to_numpy() != ref["source"].to_numpy()
    stats.cross_source = int(cross.sum())
    stats.overlaps = _tally(pairs[cross])
    stats.conflicts_by_pair = _tally(pairs[conflict])
    kept = kept.copy()
    for column in EXTRA_COLUMNS:
        donors = dropped.loc[dropped[column] != IGNORE_INDEX].drop_duplicates("text").set_index("text")[column]
        missing = (kept[column] == IGNORE_INDEX) & kept["text"].isin(donors.index)
        if missing.any():
            kept.loc[missing, column] = kept.loc[missing, "text"].map(donors).to_numpy(dtype=np.int64)
        stats.merged_labels[column] = int(missing.sum())
    return kept.sort_values("order").drop(columns=["order", "priority"]).reset_index(drop=True)


def _tally(keys: np.ndarray) -> dict[str, int]:
    return {str(k): int(v) for k, v in pd.Series(keys, dtype=object).value_counts().sort_index().items()}


def _strata(df: pd.DataFrame) -> np.ndarray | None:
    keys = (df["source"] + "|" + df["binary"].astype(str)).to_numpy()
    counts = pd.Series(keys).value_counts()
    rare = counts[counts < _MIN_STRATUM].index
    keys = np.where(np.isin(keys, rare), "rare", keys)
    return keys if pd.Series(keys).value_counts().min() >= 2 else None


def _split(df: pd.DataFrame, seed: int) -> np.ndarray:
    """'train' / 'validation' / 'test' per row: 75/10/15, stratified on source + binary."""
    index = np.arange(len(df))
    held = SPLIT_RATIOS["validation"] + SPLIT_RATIOS["test"]
    train, rest = train_test_split(index, test_size=held, random_state=seed, stratify=_strata(df))
    val, test = train_test_split(
        rest, test_size=SPLIT_RATIOS["test"] / held, random_state=seed, stratify=_strata(df.iloc[rest])
    )
    split = np.empty(len(df), dtype=object)
    split[train], split[val], split[test] = "train", "validation", "test"
    return split


def _counts(values: pd.Series, keys: Sequence[str]) -> dict[str, int]:
    counts = values.value_counts()
    return {k: int(counts.get(k, 0)) for k in keys}


def _label_counts(values: pd.Series, name: str) -> dict[str, int]:
    """Rows per label name of task `name`, plus 'masked' (IGNORE_INDEX)."""
    counts = values.value_counts()
    out = {label: int(counts.get(i, 0)) for i, label in enumerate(task(name).labels)}
    out["masked"] = int(counts.get(IGNORE_INDEX, 0))
    return out


def _masked_share(df: pd.DataFrame) -> dict[str, float]:
    if len(df) == 0:
        return {name: 0.0 for name in LABEL_COLUMNS}
    return {name: round(float((df[name] == IGNORE_INDEX).mean()), 4) for name in LABEL_COLUMNS}


def _rule(rule: Any) -> str:
    """One mapping entry of a source (see `Source.mapping`), as Markdown."""
    if rule is None:
        return "masked"
    if isinstance(rule, str):
        return rule
    if isinstance(rule, list):
        return ", ".join(f"{a} → {_rule(b)}" for a, b in rule)
    parts = []
    for key, value in rule.items():
        if key in ("rule", "note"):
            parts.append(value)
        elif key == "priority":
            parts.append(f"priority: {_rule(value)}")
        else:
            parts.append(f"{key} → {_rule(value)}")
    return "; ".join(parts)


def render_card(card: dict[str, Any]) -> str:
    """The Markdown dataset card for the dict of `Corpus.card`."""
    d = card["dedupe"]
    lines = [
        "# BanglaHate training corpus",
        "",
        f"{card['rows']:,} rows, one per normalized text (normalizer v{card['normalizer_version']}), "
        f"built from {len(card['sources'])} sources under `shared/data` (see its SOURCES.md).",
        f"Split {'/'.join(str(round(r * 100)) for r in card['split_ratios'].values())} "
        f"(train/validation/test), stratified on {card['stratify']}, seed {card['seed']}.",
        f"Labels a source does not provide are `{card['ignore_index']}` (masked in the loss); "
        "non-hateful rows have index 0 (`not_hate`/`none`) for type, target and severity.",
        "",
        "## Splits",
        "",
        "| split | rows |",
        "|---|---:|",
        *(f"| {k} | {v:,} |" for k, v in card["splits"].items()),
        "",
        "## Sources (priority order)",
        "",
        "| # | source | rows | train | validation | test | hate share | script | licence |",
        "|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, s in card["sources"].items():
        sp = s["splits"]
        lines.append(
            f"| {s['priority']} | {name} | {s['rows']:,} | {sp['train']:,} | {sp['validation']:,} | {sp['test']:,} "
            f"| {s['hate_share']:.1%} | {s['script']} | {s['licence']} |"
        )
    lines += [
        "",
        "**Licences.** BLP-25 is CC BY-NC-SA 4.0 (non-commercial, share-alike) and TB-OLID is AGPL-3.0: both "
        "constrain distributing models trained on this corpus. Karim v1/v2 are MIT but their README says research "
        "use only; several sources state no licence.",
        "",
        "## Labels per task",
        "",
    ]
    for name, counts in card["labels"].items():
        lines += [f"### {name}", "", "| label | all | " + " | ".join(SPLITS) + " |", "|---|---:|" + "---:|" * len(SPLITS)]
        for label, n in counts.items():
            per = " | ".join(f"{card['labels_by_split'][s][name][label]:,}" for s in SPLITS)
            lines.append(f"| {label} | {n:,} | {per} |")
        lines.append("")
    lines += [
        "## Masked share per task",
        "",
        "Non-hateful rows are never masked, so the per-source columns give the share of *hateful* rows masked.",
        "",
        "| task | all rows | hateful rows | " + " | ".join(card["sources"]) + " |",
        "|---|---:|---:|" + "---:|" * len(card["sources"]),
    ]
    for name in card["masked_share"]:
        per = " | ".join(f"{s['masked_share_of_hate'][name]:.0%}" for s in card["sources"].values())
        lines.append(f"| {name} | {card['masked_share'][name]:.1%} | {card['masked_share_of_hate'][name]:.1%} | {per} |")
    lines += [
        "",
        "## Deduplication",
        "",
        f"- raw rows read: {d['raw_rows']:,}",
        f"- dropped, shorter than {card['min_chars']} characters after normalization: {d['too_short']:,}",
        f"- dropped duplicates (labels agree with the kept copy): {d['duplicates']:,}",
        f"- dropped conflicting copies (the higher-priority source's labels kept): {d['conflicts']:,} "
        f"(per task: {', '.join(f'{k} {v:,}' for k, v in d['conflicts_by_task'].items())})",
        f"- of the dropped, kept copy from another source: {d['cross_source']:,}",
        "",
        "Cross-source overlaps (dropped source > kept source):",
        "",
        *(f"- {k}: {v:,}" for k, v in d["overlaps"].items()),
        "",
        "Conflicting copies (dropped source > kept source):",
        "",
        *(f"- {k}: {v:,}" for k, v in d["conflicts_by_pair"].items()),
        "",
        "## Label mapping per source",
        "",
        "A non-hateful row is `not_hate`/`none` on every task. *masked* = the source gives no label "
        f"(`{card['ignore_index']}`). Multi-label sources take the first match of the priority list.",
        "",
    ]
    for name, s in card["sources"].items():
        lines += [f"### {name}: {s['title']}", "", f"Files: {', '.join(f'`{f}`' for f in s['files'])}", ""]
        lines += [f"- **{t}**: {_rule(rule)}" for t, rule in s["mapping"].items()]
        lines.append("")
    lines += [
        "## Caveats",
        "",
        "- Gold severity comes only from BLP-25; the other severities are weak `high`/`medium` labels from "
        "violence/threat flags, so `low` is thin.",
        "- MLTC, Bangla-Abusive and TB-OLID label toxicity/offensiveness, not hate: calibrate the binary "
        "threshold on BLP-25 / BD-SHS (filter on `source`).",
        "- Karim v1/v2 have no negatives (and almost all of their texts are kept as BanglaHateBERT copies).",
        "- The split is random (stratified); `origin` names each row's file, e.g. to evaluate on the official "
        "test files only (BD-SHS test, VITD test, TB-OLID test).",
        "",
    ]
    return "\n".join(lines)
