"""LIME explanations: Bangla-aware word spans, one shared perturbation set, determinism, faithfulness."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from lime.lime_text import LimeTextExplainer

from banglahate_gui.errors import BanglaHateError, EmptyTextError
from banglahate_gui.explain import Cancelled, explain, format_terminal, split_words
from banglahate_gui.explain.words import word_tokens
from banglahate_gui.model import load_bundle
from banglahate_gui.text import normalize

SAMPLES = 120  # small on purpose: CI on CPU


def words_of(text: str) -> list[str]:
    return [w.text for w in split_words(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("আমি ভাত খাই। তুমি কি খাও?", ["আমি", "ভাত", "খাই", "তুমি", "কি", "খাও"]),
        ("শালা কুত্তার বাচ্চা॥ দূর হ!", ["শালা", "কুত্তার", "বাচ্চা", "দূর", "হ"]),
        ("tui ekta   faltu lok, bujhli?!", ["tui", "ekta", "faltu", "lok", "bujhli"]),
        ("ei (মাদারচোদ) shala'r kotha", ["ei", "মাদারচোদ", "shala", "r", "kotha"]),
        ("ভালো 😡😡 খেলা 👍🏽 ❤️!", ["ভালো", "😡😡", "খেলা", "👍🏽", "❤️"]),
        ("  \n\tশুধু  ", ["শুধু"]),
        # decomposed nukta (য + ◌়), a ZWJ in র‍্যাব, khanda-ta, Bengali digits: all inside their words
        ("সময় র\u200d্যাব হঠাৎ ১২৩টা", ["সময\u09bc", "র\u200d্যাব", "হঠাৎ", "১২৩টা"]),
    ],
)
def test_split_words_keeps_bengali_marks_and_spans_index_the_original(text: str, expected: list[str]) -> None:
    words = split_words(text)
    assert [w.text for w in words] == expected
    assert all(text[w.start : w.end] == w.text for w in words)
    assert word_tokens(text) == expected


_ALPHABET = "কখগঘািীুূেৈোৌ্ঁংঃয়ৎ\u09bc\u200c\u200d০১ abcXYZ09 \t\n।॥?!.,;:\"'()[]-😡👍🏽❤️"


@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_split_words_spans_are_ordered_exact_and_leave_only_separators(text: str) -> None:
    words = split_words(text)
    at = 0
    gaps = []
    for w in words:
        assert at <= w.start < w.end and text[w.start : w.end] == w.text
        gaps.append(text[at : w.start])
        at = w.end
    gaps.append(text[at:])
    # nothing between words could start a word: letters, Bengali signs, digits and emoji are all covered
    assert not any(re.search(r"[\w\u0980-\u09ff😡👍❤]", g) for g in gaps)


@pytest.fixture(scope="module")
def classifier(tiny_bundle):
    # one intra-op thread: for a tiny model on a busy CI box, thread hand-offs cost more than they save
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield load_bundle(tiny_bundle, device="cpu")
    torch.set_num_threads(threads)


class CountingClassifier:
    """The real classifier, recording every string it is asked to score."""

    def __init__(self, inner):
        self.inner = inner
        self.tasks = inner.tasks
        self.seen: list[str] = []

    def predict_proba(self, texts, batch_size=64):
        self.seen.extend(texts)
        return self.inner.predict_proba(texts, batch_size=batch_size)


def long_texts(texts: list[str], n: int, min_words: int = 6) -> list[str]:
    return [t for t in texts if min_words <= len(split_words(t)) <= 30][:n]


def test_all_four_tasks_come_from_one_perturbation_set(classifier, sample_texts) -> None:
    text = long_texts(sample_texts, 1, min_words=10)[0]
    counting = CountingClassifier(classifier)
    exp = explain(counting, text, num_samples=SAMPLES, seed=3)

    # what one plain LIME run (same splitter and seed) needs scored, after normalization
    needed: list[str] = []
    LimeTextExplainer(split_expression=word_tokens, bow=True, random_state=3).explain_instance(
        text, lambda xs: needed.extend(xs) or np.zeros((len(xs), 2)), num_samples=SAMPLES
    )
    unique_needed = {normalize(s) for s in needed}
    assert len(counting.seen) == len(set(counting.seen)) == exp.scored  # every string scored once
    assert set(counting.seen) == unique_needed
    assert len(counting.seen) <= SAMPLES

    assert set(exp.tasks) == {"binary", "type", "target", "severity"}
    full = classifier.predict_proba([normalize(text)])
    for name, t in exp.tasks.items():
        labels = next(task.labels for task in classifier.tasks if task.name == name)
        assert t.label == labels[int(np.argmax(full[name][0]))]  # default: the predicted class
        assert t.probability == pytest.approx(float(full[name][0].max()), abs=1e-6)
        assert {w.word for w in t.words} == set(words_of(text))
        assert all(text[a:b] == w.word for w in t.words for a, b in w.spans)
        assert [abs(w.weight) for w in t.words] == sorted((abs(w.weight) for w in t.words), reverse=True)
        assert t.reliable == (t.score >= 0.5)
    json.dumps(exp.to_dict())


def test_repeated_word_gets_all_its_spans(classifier) -> None:
    text = "বাচ্চা তুই একটা বাচ্চা, shala বাচ্চা"
    exp = explain(classifier, text, tasks=["binary"], num_samples=SAMPLES)
    spans = {w.word: w.spans for w in exp.tasks["binary"].words}
    starts = [m.start() for m in re.finditer("বাচ্চা", text)]
    assert spans["বাচ্চা"] == [(s, s + len("বাচ্চা")) for s in starts] and len(starts) == 3
    assert len(exp.tasks["binary"].words) == 4


def test_same_seed_same_explanation(classifier, sample_texts) -> None:
    text = long_texts(sample_texts, 2)[1]
    a, b = (explain(classifier, text, num_samples=SAMPLES, seed=7).to_dict() for _ in range(2))
    c = explain(classifier, text, num_samples=SAMPLES, seed=8).to_dict()
    for d in (a, b, c):
        d.pop("seconds")
    assert a == b
    assert a != c


def test_top_lime_words_matter_more_than_random_words(classifier, sample_texts) -> None:
    """Deleting the top-k words LIME credits for the explained class lowers that class's probability
    more, on average over 10 texts, than deleting k random words."""

    def delete(text: str, spans: list[tuple[int, int]]) -> str:
        out, at = [], 0
        for a, b in sorted(spans):
            out.append(text[at:a])
            at = b
        return "".join(out) + text[at:]

    def p(texts: list[str], col: int) -> np.ndarray:
        return classifier.predict_proba([normalize(t) for t in texts])["binary"][:, col]

    rng = np.random.default_rng(0)
    k = 2
    lime_drops, random_drops = [], []
    for text in long_texts(sample_texts, 10):
        t = explain(classifier, text, tasks=["binary"], num_samples=300, seed=0).tasks["binary"]
        col = ("not_hate", "hate").index(t.label)
        top = [w for w in t.words if w.weight > 0][:k]
        picks = [rng.choice(len(t.words), size=k, replace=False) for _ in range(10)]
        probs = p([text, delete(text, [s for w in top for s in w.spans])]
                  + [delete(text, [s for i in pick for s in t.words[i].spans]) for pick in picks], col)
        lime_drops.append(probs[0] - probs[1])
        random_drops.append(probs[0] - probs[2:].mean())
    assert len(lime_drops) == 10
    assert np.mean(lime_drops) > np.mean(random_drops)
    assert sum(a > b for a, b in zip(lime_drops, random_drops)) >= 7


def test_progress_reports_batches_and_cancel_stops(classifier, sample_texts) -> None:
    text = long_texts(sample_texts, 1, min_words=10)[0]
    calls: list[tuple[int, int]] = []
    exp = explain(classifier, text, tasks=["severity"], num_samples=SAMPLES, batch_size=16,
                  progress=lambda done, total: calls.append((done, total)))
    assert len(calls) >= 2
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1] == exp.scored - 1  # the full text was scored before LIME ran

    calls.clear()

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    with pytest.raises(Cancelled) as info:
        explain(classifier, text, num_samples=SAMPLES, batch_size=16, progress=progress, cancel=lambda: len(calls) >= 1)
    assert isinstance(info.value, BanglaHateError)
    assert len(calls) == 1  # stopped before the second batch


@pytest.mark.parametrize("text", ["", "   \n", "।। ?!"])
def test_empty_text_is_an_error(classifier, text: str) -> None:
    with pytest.raises(EmptyTextError):
        explain(classifier, text, num_samples=SAMPLES)


def test_bad_arguments_are_rejected(classifier) -> None:
    with pytest.raises(ValueError, match="unknown tasks"):
        explain(classifier, "ভালো ছেলে", tasks=["toxicity"], num_samples=SAMPLES)
    with pytest.raises(ValueError, match="no class"):
        explain(classifier, "ভালো ছেলে", classes={"binary": "maybe"}, num_samples=SAMPLES)


def test_chosen_class_is_explained(classifier) -> None:
    text = "tui ekta faltu lok ar tor baap o"
    exp = explain(classifier, text, classes={"binary": "not_hate", "severity": "high"}, num_samples=SAMPLES)
    assert exp.tasks["binary"].label == "not_hate"
    assert exp.tasks["severity"].label == "high"
    # two-class task: the not_hate weights mirror the hate weights
    hate = explain(classifier, text, classes={"binary": "hate"}, tasks=["binary"], num_samples=SAMPLES)
    mirrored = {w.word: w.weight for w in hate.tasks["binary"].words}
    not_hate = exp.tasks["binary"].words
    # float32 probabilities: p(not_hate) is 1 - p(hate) up to rounding (which moves with the BLAS summation
    # order), so allow 1 % of each weight plus 1 % of the largest one for the near-zero weights
    expected = np.array([-mirrored[w.word] for w in not_hate])
    assert np.allclose([w.weight for w in not_hate], expected, rtol=0.01, atol=0.01 * np.abs(expected).max())


def test_format_terminal_highlights_without_changing_the_text(classifier) -> None:
    text = "শালা কুত্তার বাচ্চা। tui ekta faltu lok 😡"
    exp = explain(classifier, text, tasks=["binary", "type"], num_samples=SAMPLES)
    coloured = format_terminal(exp, "binary")
    header, body, top = coloured.split("\n")
    assert exp.tasks["binary"].label in header and "R²" in header
    assert "\x1b[30;48;5;" in body
    assert re.sub(r"\x1b\[[0-9;]*m", "", body) == text
    strongest = exp.tasks["binary"].words[0]
    colour = "196" if strongest.weight > 0 else "46"  # the strongest word gets the strongest shade
    assert f"\x1b[30;48;5;{colour}m{strongest.word}\x1b[0m" in body
    assert top.startswith(f"top words: {strongest.word} ")
    plain = format_terminal(exp, "type", color=False).split("\n")[1]
    assert "\x1b" not in plain
    assert re.sub(r"\[[+-]([^\]]*)\]", r"\1", plain) == text
