"""Labels of the moderation tasks beyond the paper's four (`EXTRA_TASKS`: violence, toxicity), read from the
sources' own labels that `sources` keeps in `type_fine`; masked (`IGNORE_INDEX`) wherever a source does not label
a task. One column per softmax task, one column per label of a sigmoid task (`label_columns`).

- violence: only BLP-2023 VITD labels it (Non-Violence / Passive Violence / Direct Violence).
- toxicity: MLTC labels all six flags; Bangla-Abusive labels three of them (obscene → vulgar, threat, insult);
  its `toxic` and `racism` flags have no exact counterpart, so hate/religious/troll stay masked there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from banglahate_gui.model.schema import EXTRA_TASKS, IGNORE_INDEX, Task

VIOLENCE_SOURCE = "vitd_blp2023"
VIOLENCE_FROM_VITD = {"Non-Violence": "non_violence", "Passive Violence": "passive", "Direct Violence": "direct"}
TOXICITY_FROM_FLAGS = {
    "multilabel_toxic": {"vulgar": "vulgar", "hate": "hate", "religious": "religious", "threat": "threat",
                         "troll": "troll", "Insult": "insult"},
    "bangla_abusive_comments": {"obscene": "vulgar", "threat": "threat", "insult": "insult"},
}
MAPPING = {"violence": {VIOLENCE_SOURCE: VIOLENCE_FROM_VITD},
           "toxicity": {source: flags for source, flags in TOXICITY_FROM_FLAGS.items()}}
"""Written into the dataset card."""


def label_columns(task: Task) -> tuple[str, ...]:
    """Corpus columns of a task: its name (softmax) or `name_label` per label (sigmoid)."""
    return (task.name,) if task.kind == "softmax" else tuple(f"{task.name}_{label}" for label in task.labels)


EXTRA_COLUMNS: tuple[str, ...] = tuple(c for t in EXTRA_TASKS for c in label_columns(t))


def add_extra_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (with `source` and `type_fine`) plus the `EXTRA_COLUMNS`, masked where a source gives no label."""
    out = frame.copy()
    violence, toxicity = EXTRA_TASKS
    out["violence"] = [violence.labels.index(VIOLENCE_FROM_VITD[fine]) if source == VIOLENCE_SOURCE else IGNORE_INDEX
                       for source, fine in zip(out["source"], out["type_fine"])]
    for label in toxicity.labels:
        out[f"toxicity_{label}"] = IGNORE_INDEX
    for source, flags in TOXICITY_FROM_FLAGS.items():
        rows = (out["source"] == source).to_numpy()
        if not rows.any():
            continue
        atoms = [set(str(f).split("_")) if f else set() for f in out.loc[rows, "type_fine"]]
        for flag, label in flags.items():
            out.loc[rows, f"toxicity_{label}"] = [int(flag in a) for a in atoms]
    return out.astype({c: "int64" for c in EXTRA_COLUMNS})


def task_labels(frame: pd.DataFrame, tasks: tuple[Task, ...]) -> dict[str, np.ndarray]:
    """Label arrays per task: (n,) indices for softmax tasks, (n, labels) 0/1 for sigmoid ones (IGNORE = masked)."""
    out = {}
    for t in tasks:
        columns = list(label_columns(t))
        out[t.name] = frame[columns[0]].to_numpy(dtype=np.int64) if t.kind == "softmax" else \
            frame[columns].to_numpy(dtype=np.int64)
    return out
