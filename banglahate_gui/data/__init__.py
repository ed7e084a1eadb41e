"""Training data: source adapters (`sources`) and the merged, deduplicated, split corpus (`corpus`)."""

from banglahate_gui.data.corpus import (
    SEED,
    SPLIT_RATIOS,
    SPLITS,
    Corpus,
    CorpusStats,
    build_corpus,
    main_build,
    unlabeled_texts,
)
from banglahate_gui.data.sources import DEFAULT_DATA_DIR, SOURCE_NAMES, SOURCES, MissingDataError, Source

__all__ = [
    "DEFAULT_DATA_DIR",
    "SEED",
    "SOURCES",
    "SOURCE_NAMES",
    "SPLITS",
    "SPLIT_RATIOS",
    "Corpus",
    "CorpusStats",
    "MissingDataError",
    "Source",
    "build_corpus",
    "main_build",
    "unlabeled_texts",
]
