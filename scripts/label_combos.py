"""Count how often pairs of auxiliary labels co-occur in the training split; write the committed table.

    python scripts/label_combos.py [--data ../shared/data] [--out banglahate_gui/review/label_combos.json]

The review session flags a prediction whose pair of auxiliary labels (type/target/severity) was seen in
fewer than `RARE_SHARE` of the hateful training rows labelled on both tasks (see `review.verdict`).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from itertools import combinations
from pathlib import Path

from banglahate_gui.data.corpus import build_corpus
from banglahate_gui.model.schema import AUXILIARY_TASKS, IGNORE_INDEX, task

ROOT = Path(__file__).resolve().parents[1]


def combo_table(frame) -> dict:
    """{"a|b": {"rows": n, "pairs": {"label_a|label_b": count}}} over hateful rows labelled on both tasks."""
    hateful = frame[frame["binary"] == 1]
    table = {}
    for a, b in combinations(AUXILIARY_TASKS, 2):
        both = hateful[(hateful[a] != IGNORE_INDEX) & (hateful[b] != IGNORE_INDEX)]
        counts = Counter(zip(both[a], both[b]))
        table[f"{a}|{b}"] = {
            "rows": int(len(both)),
            "pairs": {f"{task(a).labels[i]}|{task(b).labels[j]}": int(n) for (i, j), n in sorted(counts.items())},
        }
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "banglahate_gui" / "review" / "label_combos.json")
    args = parser.parse_args()
    corpus = build_corpus(args.data)
    train = corpus.subset("train")
    table = {"source": "training split of `banglahate data` (scripts/label_combos.py)",
             "train_rows": int(len(train)), "combos": combo_table(train)}
    args.out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
