"""Every review rule without Qt: refusal before analysis, verdict bands, filters, sorts, groups, undo/redo,
restore, profiles, rare label combinations, insufficient text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from banglahate_gui.model.prediction import Prediction, TaskPrediction, predictions_from_proba
from banglahate_gui.pipeline import Analysis
from banglahate_gui.review import Filter, Policy, PolicyError, ReviewError, ReviewLog, ReviewSession, TaskPolicy
from banglahate_gui.review.session import status_text
from banglahate_gui.review.verdict import judge, label_combos, list_profiles

SIZES = (("binary", 2), ("type", 5), ("target", 5), ("severity", 4))


def prediction(hate: float, type_: int = 1, target: int = 1, severity: int = 3, text: str = "t") -> Prediction:
    proba = {n: np.full((1, k), 0.1 / (k - 1)) for n, k in SIZES}
    for name, index in (("type", type_), ("target", target), ("severity", severity)):
        proba[name][0, index] = 0.9
    proba["binary"] = np.array([[1 - hate, hate]])
    return predictions_from_proba([text], proba)[0]


def insufficient() -> Prediction:
    tasks = {n: TaskPrediction("insufficient_text", None) for n, _ in SIZES}
    return Prediction("", tasks, insufficient_text=True)


def analysis(pred: Prediction, bundle: str = "bundle@scored", text: str = "লেখা") -> Analysis:
    return Analysis("src", text, text, False, pred, bundle)


@pytest.fixture
def session(tmp_path):
    log = ReviewLog(tmp_path / "log.sqlite3")
    yield ReviewSession(log, moderator="rumi")
    log.close()


def add(session: ReviewSession, name: str, pred: Prediction | None = None, group: str | None = None):
    item = session.add(Path(f"/memes/{name}"), name, sha256=f"sha-{name}")
    if pred is not None:
        session.set_analysis(item, analysis(pred))
    item.group = group
    return item


def test_decision_refused_until_analysed_and_nothing_logged(session):
    item = add(session, "a.png")
    with pytest.raises(ReviewError, match="a.png is still waiting to be analysed"):
        session.decide(item, "remove")
    item.status = "analysing"
    with pytest.raises(ReviewError, match="still being analysed"):
        session.note(item, "later")
    assert session.log.entries() == []
    session.set_analysis(item, analysis(prediction(0.9)))
    assert session.decide(item, "remove").entries[0].decision == "remove"


def test_decision_logs_the_analysis_bundle_moderator_and_reason(session):
    item = add(session, "a.png", prediction(0.9))
    [entry] = session.decide(item, "remove", reason="P-7").entries
    assert entry.bundle_id == "bundle@scored"  # the bundle that scored it, whatever is loaded now
    assert (entry.moderator, entry.reason, entry.path, entry.sha256) == ("rumi", "P-7", "/memes/a.png", "sha-a.png")
    assert entry.ocr_text == "লেখা" and entry.labels["binary"] == "hate"
    assert entry.probabilities["binary"]["hate"] == pytest.approx(0.9)
    assert (item.decision, item.moderator, item.reason) == ("remove", "rumi", "P-7")


def test_uncertain_band_is_per_task_and_configurable():
    verdict = judge(prediction(0.517), Policy())
    assert verdict.status == "uncertain" and verdict.hateful and verdict.hate_probability == pytest.approx(0.517)
    assert judge(prediction(0.61), Policy()).status == "hate"
    assert judge(prediction(0.39), Policy()).status == "not_hate"
    strict = Policy("strict", {"binary": TaskPolicy(threshold=0.7, low=0.6, high=0.8)})
    assert judge(prediction(0.65), strict).status == "uncertain"
    assert judge(prediction(0.65), strict).tasks["binary"].label == "not_hate"
    assert judge(prediction(0.85), strict).status == "hate"
    wide = Policy("wide", {"type": TaskPolicy(high=0.95)})
    assert judge(prediction(0.9), wide).tasks["type"].uncertain  # top type label 0.9 < 0.95
    assert not judge(prediction(0.9), Policy()).tasks["type"].uncertain
    assert "uncertain" in status_text(type("I", (), {"error": "", "status": "done"})(), judge(prediction(0.5), Policy()))


def test_policy_profiles_round_trip_and_bad_ones_name_the_field(tmp_path):
    team = Policy("Team Dhaka", {"binary": TaskPolicy(0.55, 0.45, 0.7), "severity": TaskPolicy(high=0.5, low=0.3)})
    path = team.save(tmp_path)
    assert path.name == "Team_Dhaka.json"
    assert Policy.load(path) == team
    assert list_profiles(tmp_path) == {"Team Dhaka": team}
    with pytest.raises(PolicyError, match="low ≤ threshold ≤ high"):
        TaskPolicy(threshold=0.3, low=0.4, high=0.6)
    with pytest.raises(PolicyError, match="tasks.binary"):
        Policy.from_dict({"name": "x", "tasks": {"binary": {"threshold": "nan", "low": 0.1, "high": 0.9}}})
    with pytest.raises(PolicyError, match="tasks.binary"):
        Policy.from_dict({"name": "x", "tasks": {"binary": {"cutoff": 0.5}}})
    (tmp_path / "broken.json").write_text("[1, 2", encoding="utf-8")
    assert list(list_profiles(tmp_path)) == ["Team Dhaka"]


def test_rare_auxiliary_combinations_are_flagged_from_the_training_table():
    table = label_combos()
    assert table["train_rows"] > 1000 and "type|target" in table["combos"]
    rows = table["combos"]["type|target"]["rows"]
    # type gender (3) + target others (4): below 1 % of hateful training rows in the committed table
    assert table["combos"]["type|target"]["pairs"].get("gender|others", 0) / rows < 0.01
    flagged = judge(prediction(0.9, type_=3, target=4, severity=3), Policy()).rare_combos
    assert any(f.startswith("type gender + target others") for f in flagged)
    common = judge(prediction(0.9, type_=1, target=1, severity=3), Policy())  # personal + individual + high
    assert not any("type personal + target individual" in f for f in common.rare_combos)
    assert judge(prediction(0.1, type_=3, target=4), Policy()).rare_combos == ()  # not hateful: not judged


def test_filters_by_label_decision_uncertainty_and_group(session):
    hate = add(session, "hate.png", prediction(0.9, type_=3), group="g1")
    copy = add(session, "copy.png", prediction(0.88, type_=3), group="g1")
    unsure = add(session, "unsure.png", prediction(0.5))
    calm = add(session, "calm.png", prediction(0.1))
    waiting = add(session, "waiting.png")
    names = lambda items: [i.name for i in items]  # noqa: E731
    assert names(session.view(Filter(labels=(("type", "gender"),)), "arrival")) == ["hate.png", "copy.png"]
    assert names(session.view(Filter(labels=(("binary", "not_hate"),)), "arrival")) == ["calm.png"]
    assert names(session.view(Filter(uncertain=True))) == ["unsure.png"]
    assert "unsure.png" not in names(session.view(Filter(uncertain=False)))
    assert names(session.view(Filter(group="grouped"), "arrival")) == ["hate.png", "copy.png"]
    session.decide(calm, "approve")
    assert names(session.view(Filter(decision="approve"))) == ["calm.png"]
    assert "calm.png" not in names(session.view(Filter(decision="undecided")))
    assert names(session.view(Filter(decision="decided"))) == ["calm.png"]
    assert waiting in session.view(Filter(decision="undecided"))
    with pytest.raises(ValueError):
        Filter(decision="maybe")


def test_sort_by_any_task_probability_with_unscored_last(session):
    a = add(session, "a.png", prediction(0.3, severity=1))
    b = add(session, "b.png", prediction(0.9, severity=3))
    c = add(session, "c.png", prediction(0.6, severity=3))
    none = add(session, "none.png", insufficient())
    waiting = add(session, "waiting.png")
    assert session.view(sort="binary:hate") == [b, c, a, none, waiting]
    assert session.view(sort="binary:not_hate") == [a, c, b, none, waiting]
    assert session.view(sort="severity:low")[0] is a
    assert session.view(sort="arrival") == [a, b, c, none, waiting]


def test_insufficient_text_is_shown_as_such_and_decidable(session):
    item = add(session, "tiny.png", insufficient())
    verdict = session.verdict(item)
    assert verdict.status == "insufficient_text" and verdict.hate_probability is None
    assert status_text(item, verdict) == "insufficient text"
    [entry] = session.decide(item, "approve").entries
    assert entry.labels["binary"] == "insufficient_text" and entry.probabilities["binary"] is None


def test_group_decision_logs_each_member_and_undo_redo_the_whole_group(session):
    first = add(session, "first.png", prediction(0.9), group="g1")
    second = add(session, "second.png", prediction(0.85), group="g1")
    late = add(session, "late.png", group="g1")  # not analysed yet
    other = add(session, "other.png", prediction(0.9), group="g2")
    action = session.decide(first, "remove", group=True, reason="P-1")
    assert [e.sha256 for e in action.entries] == ["sha-first.png", "sha-second.png"]
    assert {e.group_id for e in action.entries} == {"g1"} and action.skipped == [late]
    assert "group of 2" in session.describe(action) and "1 not analysed yet" in session.describe(action)
    assert (first.decision, second.decision, late.decision, other.decision) == ("remove", "remove", None, None)
    undo = session.undo()
    assert [e.undoes for e in undo.entries] == [e.id for e in action.entries]
    assert first.decision is None and second.decision is None
    redo = session.redo()
    assert [e.decision for e in redo.entries] == ["remove", "remove"] and second.decision == "remove"
    assert not session.can_redo
    session.decide(other, "approve")  # a new decision after redo: single, not grouped
    assert session.log.entries()[-1].group_id is None
    session.undo(), session.undo()
    with pytest.raises(ReviewError, match="Nothing to undo"):
        session.undo()


def test_new_decision_clears_redo(session):
    item = add(session, "a.png", prediction(0.9))
    session.decide(item, "remove")
    session.undo()
    session.decide(item, "approve")
    assert not session.can_redo
    with pytest.raises(ReviewError, match="Nothing to redo"):
        session.redo()


def test_restore_from_the_log_by_content_hash(tmp_path):
    path = tmp_path / "log.sqlite3"
    with ReviewLog(path) as log:
        s = ReviewSession(log, moderator="rumi")
        item = add(s, "a.png", prediction(0.9))
        s.decide(item, "escalate", reason="P-2")
        s.note(item, "আবার দেখো")
    with ReviewLog(path) as log:
        again = ReviewSession(log)
        moved = again.add(Path("/elsewhere/renamed.png"), "renamed.png")
        assert moved.decision is None
        again.set_hash(moved, "sha-a.png")
        assert (moved.decision, moved.note, moved.moderator, moved.reason) == ("escalate", "আবার দেখো", "rumi", "P-2")
        with pytest.raises(ReviewError, match="Nothing to undo"):
            again.undo()  # undo history is per session


def test_exact_duplicates_share_their_state(session):
    a = session.add(Path("/m/a.png"), "a.png", sha256="same")
    b = session.add(Path("/m/b.png"), "b.png", sha256="same")
    session.set_analysis(a, analysis(prediction(0.9)))
    session.decide(a, "remove")
    assert b.decision == "remove"


def test_no_log_or_read_only_log_refuses_with_a_message(tmp_path):
    s = ReviewSession(None)
    item = add(s, "a.png", prediction(0.9))
    with pytest.raises(ReviewError, match="No review log is open"):
        s.decide(item, "approve")
    path = tmp_path / "log.sqlite3"
    ReviewLog(path).close()
    with ReviewLog(path, readonly=True) as ro:
        s.set_log(ro)
        with pytest.raises(ReviewError, match="read-only"):
            s.decide(item, "approve")


def test_next_undecided_skips_decided_and_wraps(session):
    items = [add(session, f"{n}.png", prediction(p)) for n, p in (("a", 0.9), ("b", 0.8), ("c", 0.7))]
    session.decide(items[1], "approve")
    shown = session.view()
    assert session.next_undecided(shown, items[0]) is items[2]
    assert session.next_undecided(shown, items[2]) is items[0]
    session.decide(items[0], "approve"), session.decide(items[2], "approve")
    assert session.next_undecided(shown, items[2]) is None
    assert session.counts()["decided"] == 3
    assert json.dumps(session.counts())


def test_edited_text_item_is_keyed_by_its_new_text(session):
    from banglahate_gui.hashing import sha256_text

    item = session.add("পুরনো লেখা", "পুরনো", sha256=sha256_text("পুরনো লেখা"))
    session.set_analysis(item, analysis(prediction(0.9), text="পুরনো লেখা"))
    session.decide(item, "remove")
    session.edit_text(item, "নতুন লেখা")
    assert item.source == "নতুন লেখা" and item.sha256 == sha256_text("নতুন লেখা")
    assert item.decision is None  # the decision belongs to the old text, not to the new one
    assert session.log.state(sha256_text("পুরনো লেখা")).decision == "remove"


def test_the_decisive_text_of_a_thread_is_its_riskiest_message(session):
    from dataclasses import replace

    from banglahate_gui.pipeline import BlockAnalysis

    item = add(session, "thread.png", prediction(0.4))
    assert item.decisive_text == item.text == "লেখা"  # one text: the text itself
    blocks = (BlockAnalysis("শুভ সকাল", (0,), prediction(0.1)), BlockAnalysis("ওদের তাড়িয়ে দাও", (1,), prediction(0.9)))
    session.set_analysis(item, replace(item.analysis, blocks=blocks, prediction=blocks[1].prediction,
                                       text_prediction=prediction(0.4)))
    assert item.analysis.riskiest_block == 1 and item.decisive_text == "ওদের তাড়িয়ে দাও"
