"""The "insufficient_text" rule: texts with nothing to judge get that label and no probabilities."""

from __future__ import annotations

import json

import pytest

from banglahate_gui.model import load_bundle
from banglahate_gui.model.prediction import INSUFFICIENT_TEXT, Prediction
from banglahate_gui.model.sufficiency import has_judgeable_text, judgeable_words, stopwords
from banglahate_gui.text import normalize

NOTHING_TO_JUDGE = ["ok", "OK 👍", "Okkkk!!", "😂😂😂", "🤣🤣 🙏", "123 456", "১২৩৪", "@someone https://x.com/a",
                    "হা হা হা", "ওকে", "ধন্যবাদ ভাই", "haha lol", "...!!!", "x"]
JUDGEABLE = ["ওরা আমাদের দেশের শত্রু ওদের তাড়িয়ে দাও", "মেয়েরা কিছুই পারে না ওদের কাজ শুধু রান্না",
             "tui ekta kharap lok", "you are a liar", "ok চোর", "শালা 😂"]


@pytest.mark.parametrize("text", NOTHING_TO_JUDGE)
def test_texts_with_nothing_to_judge(text):
    assert not has_judgeable_text(normalize(text)), judgeable_words(normalize(text))


@pytest.mark.parametrize("text", JUDGEABLE)
def test_texts_with_a_content_word_are_judged(text):
    assert has_judgeable_text(normalize(text))


def test_stop_list_is_shipped_and_normalized():
    words = stopwords()
    assert {"ok", "ওকে", "haha", "the"} <= words and len(words) > 200
    assert all(normalize(w) == w for w in words)


def test_almost_every_real_labelled_line_is_judged(sample_texts):
    judged = [has_judgeable_text(normalize(t)) for t in sample_texts]
    assert sum(judged) >= 0.97 * len(judged)


def test_classifier_returns_insufficient_text_with_null_probabilities(tiny_bundle, sample_texts):
    classifier = load_bundle(tiny_bundle, device="cpu")
    texts = ["😂😂", sample_texts[0], "ok", sample_texts[1]]
    predictions = classifier.predict(texts)
    assert [p.insufficient_text for p in predictions] == [True, False, True, False]
    empty = predictions[0]
    assert empty.hate_probability is None and not empty.is_hate
    assert all(t.label == INSUFFICIENT_TEXT and t.probabilities is None and t.confidence is None
               for t in empty.tasks.values())
    # the judged texts get the same result as when classified alone (order and batching kept)
    alone = classifier.predict([sample_texts[0]])[0]
    for name, task in alone.tasks.items():
        assert predictions[1].tasks[name].probabilities == pytest.approx(task.probabilities, abs=1e-5)
    record = json.loads(json.dumps(empty.to_dict()))
    assert record["insufficient_text"] is True and record["hate_probability"] is None
    assert record["tasks"]["binary"] == {"label": INSUFFICIENT_TEXT, "probabilities": None}


def test_prediction_from_dict_round_trips(tiny_bundle, sample_texts):
    classifier = load_bundle(tiny_bundle, device="cpu")
    for prediction in classifier.predict(["ok", sample_texts[5]]):
        again = Prediction.from_dict(json.loads(json.dumps(prediction.to_dict())))
        assert again == prediction


def test_sorting_by_risk_puts_insufficient_text_last(tiny_bundle, sample_texts):
    classifier = load_bundle(tiny_bundle, device="cpu")
    predictions = classifier.predict(["ok", sample_texts[2], "😂", sample_texts[3]])
    ordered = sorted(predictions, key=lambda p: -1.0 if p.hate_probability is None else p.hate_probability,
                     reverse=True)
    assert [p.insufficient_text for p in ordered] == [False, False, True, True]
