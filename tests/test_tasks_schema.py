"""Every surface reads the bundle's task schema: six-task bundle (violence, multi-label toxicity) and the old
four-task one, through the façade, LIME, the CLI (JSON, text, CSV) and the review log and its exports."""

from __future__ import annotations

import csv
import json

import pytest

from banglahate_gui.cli import main
from banglahate_gui.model.prediction import Prediction, TaskPrediction
from banglahate_gui.model.schema import DEFAULT_TASKS, TASKS, task
from banglahate_gui.review.log import ReviewLog, export_csv, export_decisions_csv, export_jsonl
from banglahate_gui.review.session import Filter, ReviewSession
from banglahate_gui.review.verdict import Policy, PolicyError, judge

TOXICITY = task("toxicity", DEFAULT_TASKS)


def passing(probabilities: dict[str, float], threshold: float) -> list[str]:
    return [label for label, p in probabilities.items() if p >= threshold]


# ----- prediction and façade --------------------------------------------------------------------
def test_six_task_prediction_carries_violence_and_multilabel_toxicity(moderator6, sample_texts):
    [prediction] = moderator6.classify([sample_texts[0]])
    assert list(prediction.tasks) == [t.name for t in DEFAULT_TASKS]
    violence, toxicity = prediction.tasks["violence"], prediction.tasks["toxicity"]
    assert violence.kind == "softmax" and violence.label == max(violence.probabilities, key=violence.probabilities.get)
    assert toxicity.kind == "sigmoid" and list(toxicity.probabilities) == list(TOXICITY.labels)
    assert sum(toxicity.probabilities.values()) != pytest.approx(1.0, abs=1e-3)  # independent, not a softmax
    assert list(toxicity.labels) == passing(toxicity.probabilities, 0.5)  # the bundle has no offsets: 0.5
    assert toxicity.label == ("+".join(toxicity.labels) or "none")
    back = Prediction.from_dict(json.loads(json.dumps(prediction.to_dict())))
    assert back == prediction and back.tasks["toxicity"].kind == "sigmoid"


def test_thresholds_are_decision_input_through_the_facade(moderator6, sample_texts):
    text = sample_texts[3]
    plain = moderator6.analyze_text(text).prediction.tasks["toxicity"]
    probs = plain.probabilities
    low, high = min(probs, key=probs.get), max(probs, key=probs.get)
    cut = (probs[low] + probs[high]) / 2
    chosen = moderator6.analyze_text(text, thresholds={"toxicity": {label: cut for label in probs}})
    shown = chosen.prediction.tasks["toxicity"]
    assert shown.probabilities == probs and list(shown.labels) == passing(probs, cut)
    assert high in shown.labels and low not in shown.labels
    # one label given: the others keep the bundle's decision
    only = moderator6.classify([text], thresholds={"toxicity": {low: 0.0}})[0].tasks["toxicity"]
    assert set(only.labels) == set(plain.labels) | {low}
    assert moderator6.classify([text], thresholds={"toxicity": {label: 1.0 for label in probs}})[0] \
        .tasks["toxicity"].label == "none"
    # softmax tasks ignore thresholds; a four-task prediction is unchanged
    assert chosen.prediction.tasks["violence"] == moderator6.analyze_text(text).prediction.tasks["violence"]


def test_old_four_task_bundle_keeps_its_output_shape(moderator4, sample_texts):
    [prediction] = moderator4.classify([sample_texts[0]], thresholds={"toxicity": {"hate": 0.1}})
    assert list(prediction.tasks) == [t.name for t in TASKS]
    assert all(set(t.to_dict()) == {"label", "probabilities"} for t in prediction.tasks.values())
    assert moderator4.info()["bundle"]["task_kinds"] == {t.name: "softmax" for t in TASKS}


# ----- LIME ---------------------------------------------------------------------------------------
def test_lime_explains_new_tasks_and_each_toxicity_label_from_one_perturbation_set(moderator6, sample_texts):
    text = sample_texts[5]
    probs = moderator6.analyze_text(text).prediction.tasks
    exp = moderator6.explain(text, num_samples=80, seed=1)
    assert list(exp.tasks) == [t.name for t in DEFAULT_TASKS] and list(exp.labels) == ["toxicity"]
    assert exp.tasks["violence"].label == max(probs["violence"].probabilities, key=probs["violence"].probabilities.get)
    by_label = exp.labels["toxicity"]
    assert list(by_label) == list(TOXICITY.labels)
    for label, e in by_label.items():  # each label's own probability is what is explained
        assert e.label == label and e.probability == pytest.approx(probs["toxicity"].probabilities[label], abs=1e-4)
        assert e.words and 0.0 <= e.score <= 1.0 + 1e-9
    top = max(probs["toxicity"].probabilities, key=probs["toxicity"].probabilities.get)
    assert exp.tasks["toxicity"].label == top and exp.get("toxicity", top) is by_label[top]
    alone = moderator6.explain(text, tasks=["toxicity"], num_samples=80, seed=1)
    assert alone.labels["toxicity"]["hate"].words == by_label["hate"].words  # same neighbourhood, same fit
    assert json.loads(json.dumps(exp.to_dict()))["labels"]["toxicity"]["insult"]["label"] == "insult"


# ----- CLI ----------------------------------------------------------------------------------------
def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_classify_json_and_text_list_every_task(tiny_bundle6, capsys, sample_texts):
    base = ("classify", "--bundle", str(tiny_bundle6), "--device", "cpu", "--text", sample_texts[0])
    code, out, _ = run_cli(capsys, *base, "--json")
    assert code == 0
    tasks = json.loads(out)["prediction"]["tasks"]
    assert list(tasks) == [t.name for t in DEFAULT_TASKS]
    assert set(tasks["violence"]["probabilities"]) == {"non_violence", "passive", "direct"}
    assert tasks["toxicity"]["kind"] == "sigmoid" and set(tasks["toxicity"]["probabilities"]) == set(TOXICITY.labels)
    code, out, _ = run_cli(capsys, *base, "--json", "--label-threshold", "toxicity.hate=0",
                           "--label-threshold", "toxicity.vulgar=1")
    label = json.loads(out)["prediction"]["tasks"]["toxicity"]["label"].split("+")
    assert code == 0 and "hate" in label and "vulgar" not in label
    code, out, _ = run_cli(capsys, *base)
    assert code == 0 and f"violence {tasks['violence']['label']}" in out
    assert f"toxicity {tasks['toxicity']['label']}" in out
    code, _, err = run_cli(capsys, *base, "--label-threshold", "violence.direct=0.3")
    assert code == 2 and "not a multi-label task" in err
    code, _, err = run_cli(capsys, *base, "--label-threshold", "toxicity.spam=0.3")
    assert code == 2 and "no label 'spam'" in err


def test_cli_classify_file_csv_has_a_column_per_toxicity_label(tiny_bundle6, tmp_path, capsys, sample_texts):
    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(sample_texts[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, stdout, _ = run_cli(capsys, "classify", "--bundle", str(tiny_bundle6), "--device", "cpu", "--file",
                              str(texts), "--out", str(out), "--json", "--label-threshold", "toxicity.insult=0")
    assert code == 0
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    for label in TOXICITY.labels:
        assert f"toxicity_p_{label}" in rows[0]
    assert {"violence_label", "violence_p_direct", "toxicity_label"} <= set(rows[0])
    for row, line in zip(rows, stdout.splitlines()):
        shown = json.loads(line)["prediction"]["tasks"]["toxicity"]
        assert row["toxicity_label"] == shown["label"] and "insult" in row["toxicity_label"].split("+")
        assert float(row["toxicity_p_hate"]) == pytest.approx(shown["probabilities"]["hate"])


def test_cli_explain_new_tasks_and_refuses_unknown(tiny_bundle6, tiny_bundle, capsys, sample_texts):
    base = ("explain", "--device", "cpu", "--text", sample_texts[2], "--samples", "40")
    code, out, _ = run_cli(capsys, *base, "--bundle", str(tiny_bundle6), "--task", "toxicity", "--task", "violence",
                           "--json")
    data = json.loads(out)
    assert code == 0 and list(data["tasks"]) == ["toxicity", "violence"]
    assert list(data["labels"]["toxicity"]) == list(TOXICITY.labels)
    code, out, _ = run_cli(capsys, *base, "--bundle", str(tiny_bundle6), "--task", "toxicity", "--no-color")
    assert code == 0 and all(f"toxicity: {label} (p=" in out for label in TOXICITY.labels)
    code, _, err = run_cli(capsys, *base, "--bundle", str(tiny_bundle), "--task", "violence")
    assert code == 2 and "not a task of this bundle" in err and "severity" in err


# ----- review: verdicts, filters, log rows and exports --------------------------------------------
def test_policy_label_thresholds_round_trip_and_are_checked():
    policy = Policy("team", labels={"toxicity": {"hate": 0.3, "insult": 0.8}})
    assert Policy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy
    assert policy.label_threshold("toxicity", "hate") == 0.3 and policy.label_threshold("toxicity", "troll") == 0.5
    with pytest.raises(PolicyError, match="labels.toxicity.hate"):
        Policy.from_dict({"name": "x", "labels": {"toxicity": {"hate": 1.5}}})


def test_verdict_shows_labels_passing_their_own_thresholds(moderator6, sample_texts):
    prediction = moderator6.classify([sample_texts[1]])[0]
    probs = prediction.tasks["toxicity"].probabilities
    ordered = sorted(probs, key=probs.get)
    strong, weak = ordered[-1], ordered[0]
    policy = Policy("t", labels={"toxicity": {strong: probs[strong] - 1e-3, weak: min(1.0, probs[weak] + 1e-3)}})
    shown = judge(prediction, policy, conditional={t.name for t in DEFAULT_TASKS if t.condition}).tasks["toxicity"]
    assert strong in shown.labels and weak not in shown.labels
    assert shown.thresholds == {label: policy.label_threshold("toxicity", label) for label in probs}
    assert list(shown.labels) == [label for label in probs if probs[label] >= shown.thresholds[label]]
    assert not shown.conditional and shown.uncertain  # a label sits right at its threshold
    violence = judge(prediction, Policy(), conditional=set()).tasks["violence"]
    assert violence.calm == (violence.label == "non_violence")
    default = judge(prediction, Policy())  # no schema given: only the paper's conditional tasks are conditional
    assert not default.tasks["violence"].conditional and not default.tasks["toxicity"].conditional
    assert default.tasks["type"].conditional and not default.tasks["binary"].conditional


def analysed_session(moderator, texts, tmp_path, policy=None) -> ReviewSession:
    session = ReviewSession(ReviewLog(tmp_path / "log.sqlite3"), policy or Policy(), moderator="rumi")
    session.set_tasks(moderator.classifier.tasks)
    from banglahate_gui.hashing import sha256_text

    for text in texts:
        item = session.add(text, text[:20], sha256_text(text))
        session.set_analysis(item, moderator.analyze_text(text))
    return session


def test_queue_sorts_and_filters_by_any_task_label(moderator6, sample_texts, tmp_path):
    session = analysed_session(moderator6, sample_texts[:8], tmp_path)
    items = list(session.items.values())
    hate = [i.analysis.prediction.tasks["toxicity"].probabilities["hate"] for i in items]
    order = session.view(sort="toxicity:hate")
    assert [session.probability(i, "toxicity", "hate") for i in order] == sorted(hate, reverse=True)
    cut = sorted(hate)[len(hate) // 2]  # half the items pass this threshold for `hate`
    session.set_policy(Policy("t", labels={"toxicity": {"hate": cut}}))
    shown = session.view(Filter(labels=(("toxicity", "hate"),)))
    assert {i.key for i in shown} == {i.key for i, p in zip(items, hate) if p >= cut} and 0 < len(shown) < len(items)
    violence = items[0].analysis.prediction.tasks["violence"].label
    assert items[0] in session.view(Filter(labels=(("violence", violence),)))
    nothing = session.view(Filter(labels=(("toxicity", "none"),)))
    assert all(session.verdict(i).tasks["toxicity"].labels == () for i in nothing)


def test_review_log_and_exports_round_trip_multilabel_predictions(moderator6, sample_texts, tmp_path):
    session = analysed_session(moderator6, sample_texts[:3], tmp_path)
    first, second, _ = session.items.values()
    probs = first.analysis.prediction.tasks["toxicity"].probabilities
    session.set_policy(Policy("t", labels={"toxicity": {label: 0.0 for label in probs} | {"hate": 1.0}}))
    [entry] = session.decide(first, "remove", reason="threat").entries
    session.decide(second, "approve")
    assert entry.labels["toxicity"] == [label for label in probs if label != "hate"]  # as the moderator saw them
    assert entry.labels["violence"] == first.analysis.prediction.tasks["violence"].label
    assert entry.probabilities["toxicity"] == pytest.approx(probs)
    log = session.log
    assert log.schema_version == 3
    jsonl, full, final = tmp_path / "log.jsonl", tmp_path / "log.csv", tmp_path / "final.csv"
    assert export_jsonl(log, jsonl) == 2 and export_csv(log, full) == 2 and export_decisions_csv(log, final) == 2
    row = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert row["labels"]["toxicity"] == entry.labels["toxicity"]
    assert row["probabilities"]["toxicity"] == entry.probabilities["toxicity"]
    with open(full, encoding="utf-8", newline="") as f:
        assert json.loads(next(csv.DictReader(f))["labels"])["toxicity"] == entry.labels["toxicity"]
    with open(final, encoding="utf-8", newline="") as f:
        rows = {r["sha256"]: r for r in csv.DictReader(f)}
    removed = rows[first.sha256]
    assert removed["toxicity_label"] == "+".join(entry.labels["toxicity"]) and "toxicity_probability" not in removed
    for label, p in probs.items():
        assert float(removed[f"toxicity_p_{label}"]) == pytest.approx(p)
    assert removed["violence_label"] == entry.labels["violence"]
    violence = entry.probabilities["violence"][entry.labels["violence"]]
    assert float(removed["violence_probability"]) == pytest.approx(violence)
    with ReviewLog(tmp_path / "log.sqlite3", readonly=True) as again:
        assert again.entries()[0] == entry


def test_four_task_rows_keep_their_export_columns(moderator4, sample_texts, tmp_path):
    session = analysed_session(moderator4, sample_texts[:1], tmp_path)
    [item] = session.items.values()
    [entry] = session.decide(item, "escalate").entries
    assert set(entry.labels) == {t.name for t in TASKS} and all(isinstance(v, str) for v in entry.labels.values())
    export_decisions_csv(session.log, tmp_path / "final.csv")
    with open(tmp_path / "final.csv", encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert [c for c in header if c.startswith(("binary", "type", "target", "severity", "violence", "toxicity"))] == [
        "binary_label", "binary_probability", "severity_label", "severity_probability", "target_label",
        "target_probability", "type_label", "type_probability"]


def test_insufficient_text_multilabel_task_is_judged_as_such(moderator6):
    from banglahate_gui.model.prediction import insufficient_prediction

    prediction = insufficient_prediction("😂", moderator6.classifier.tasks)
    assert prediction.tasks["toxicity"] == TaskPrediction("insufficient_text", None, "sigmoid")
    verdict = judge(prediction, Policy())
    assert verdict.insufficient_text and verdict.tasks["toxicity"].label == "insufficient_text" and not verdict.flags
