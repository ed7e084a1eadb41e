"""Render an explanation for a terminal: the original text with words highlighted by weight."""

from __future__ import annotations

from banglahate_gui.explain.explainer import Explanation, TaskExplanation

_RED = (224, 217, 210, 203, 196)
"""xterm-256 backgrounds, faint to strong: the word pushes toward the explained class."""
_GREEN = (194, 157, 120, 83, 46)
"""…and away from it."""
_MIN_SHARE = 0.05
"""Words whose |weight| is below this share of the largest are left unmarked."""
_RESET = "\x1b[0m"


def _mark(word: str, weight: float, share: float, color: bool) -> str:
    if not color:
        return f"[{'+' if weight > 0 else '-'}{word}]"
    palette = _RED if weight > 0 else _GREEN
    level = min(len(palette) - 1, int(share * len(palette)))
    return f"\x1b[30;48;5;{palette[level]}m{word}{_RESET}"


def highlight(text: str, task: TaskExplanation, color: bool = True) -> str:
    """`text` with each explained word marked: ANSI colours, or ``[+word]``/``[-word]`` without."""
    top = max((abs(w.weight) for w in task.words), default=0.0)
    marks = []
    for w in task.words:
        share = abs(w.weight) / top if top > 0 else 0.0
        if share >= _MIN_SHARE:
            marks.extend((start, end, w.weight, share) for start, end in w.spans)
    out, at = [], 0
    for start, end, weight, share in sorted(marks):
        out.append(text[at:start])
        out.append(_mark(text[start:end], weight, share, color))
        at = end
    out.append(text[at:])
    return "".join(out)


def format_terminal(explanation: Explanation, task: str, color: bool = True, top: int = 5,
                    label: str | None = None) -> str:
    """A header (class, probability, local fit), the highlighted text and the `top` words by weight
    (`label`: one label of a multi-label task)."""
    t = explanation.get(task, label)
    if t is None:
        raise KeyError(f"no explanation of {task}" + (f" label {label}" if label else ""))
    fit = "reliable" if t.reliable else "NOT reliable: weights are only a rough guide"
    lines = [
        f"{t.task}: {t.label} (p={t.probability:.3f}); local model R²={t.score:.2f} ({fit})",
        highlight(explanation.text, t, color),
        "top words: " + ", ".join(f"{w.word} {w.weight:+.3f}" for w in t.words[:top]),
    ]
    return "\n".join(lines)
