"""Issue 10 item 3: screenshots of comment threads and chats are several messages, one text block each;
a meme's top and bottom captions, or a single post, stay one block. Then the pipeline judges each block
and the item takes its riskiest block's prediction (engine, CLI, triage row, round trips)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from banglahate_gui.data.synth_memes import render_thread
from banglahate_gui.model.prediction import Prediction, TaskPrediction
from banglahate_gui.ocr.layout import text_blocks
from banglahate_gui.ocr.preprocess import light_page
from banglahate_gui.ocr.result import LineRead, OcrLine, OcrResult
from banglahate_gui.pipeline import Analysis, BlockAnalysis, image_texts, riskiest


def _line(bbox, text: str, role: str = "caption") -> OcrLine:
    read = LineRead("easyocr", text, 0.9, 0.9)
    return OcrLine(tuple(bbox), read, [read], role)


def _result(lines: list[OcrLine], size=(720, 900), light_page: bool = True) -> OcrResult:
    return OcrResult("\n".join(line.text for line in lines), "easyocr", 0.9, [], [], {}, "test", 0.6, size, lines,
                     "\n".join(line.text for line in lines if line.role == "caption"), light_page=light_page)


# What the gate read from render_thread(3 messages, seed=3) (720 x 900): a name over each message.
THREAD = [
    _line((101, 25, 298, 62), "Sadia Islam"),
    _line((101, 77, 520, 118), "আজকের খেলা দারুণ হয়েছে"),
    _line((104, 180, 277, 212), "Mim Akter"),
    _line((101, 238, 672, 275), "তোদের মতো লোকদের দেশ থেকে বের করে"),
    _line((100, 282, 285, 333), "দেওয়া উচিত"),
    _line((103, 387, 309, 424), "Arif Hossain"),
    _line((100, 434, 434, 484), "সবাইকে ঈদের শুভেচ্ছা"),
]


def test_a_three_message_thread_is_three_blocks():
    assert text_blocks(THREAD, (720, 900)) == [[0, 1], [2, 3, 4], [5, 6]]
    shuffled = [THREAD[i] for i in (6, 0, 3, 5, 1, 4, 2)]  # the grouping reads geometry, not list order
    blocks = text_blocks(shuffled, (720, 900))
    assert [sorted(shuffled[i].text for i in block) for block in blocks] == \
        [sorted(THREAD[i].text for i in block) for block in ([0, 1], [2, 3, 4], [5, 6])]


def test_a_reply_or_the_other_side_of_a_chat_starts_a_block_by_its_indent():
    lines = [_line((100, 20, 600, 60), "প্রথম বার্তা এখানে লেখা আছে অনেক কথা"),
             _line((100, 66, 500, 106), "আরো কিছু কথা এই বার্তায়"),
             _line((300, 112, 700, 152), "উত্তরে অন্য কেউ অনেক কিছু লিখেছে এখানে")]  # no gap, but indented
    assert text_blocks(lines, (720, 900)) == [[0, 1], [2]]


def test_a_top_and_bottom_meme_is_one_block():
    top = _line((120, 20, 600, 90), "তুই একটা বাজে লোক")  # centred captions, a picture between them
    bottom = _line((160, 500, 560, 570), "আজকের খেলা দারুণ হয়েছে")
    sign = _line((40, 300, 160, 330), "Tea Stall", "background")
    assert text_blocks([top, bottom], (720, 600)) == [[0, 1]]
    assert text_blocks([top, sign, bottom], (720, 600)) == [[0, 1, 2]]
    second = _line((180, 200, 540, 270), "আজকের খেলা দারুণ হয়েছে")  # close below, but centred: still the caption
    assert text_blocks([top, second], (720, 600)) == [[0, 1]]
    left_aligned = [_line((20, 20, 500, 90), "তুই একটা বাজে লোক"), _line((20, 500, 400, 570), "আজকের খেলা দারুণ")]
    assert text_blocks(left_aligned, (720, 600)) == [[0, 1]]  # far apart: a picture between, not two messages


def test_a_single_post_with_page_name_and_buttons_is_one_block():
    lines = [_line((96, 24, 220, 46), "News Page"),
             _line((40, 84, 700, 124), "এই নেতারা সব চোর তাদের কোনো লজ্জা নেই"),
             _line((40, 130, 420, 170), "একদম কোনো লজ্জা নেই"),
             _line((80, 552, 130, 574), "Like"), _line((320, 552, 420, 574), "Comment"),
             _line((560, 552, 630, 574), "Share")]
    assert text_blocks(lines, (800, 600)) == [[0, 1, 2, 3, 4, 5]]
    assert text_blocks(lines[1:3], (800, 600)) == [[0, 1]]
    assert text_blocks([], (800, 600)) == []


def test_ocr_result_keeps_blocks_in_its_dict_and_old_dicts_load():
    result = _result(THREAD)
    data = result.to_dict()
    assert data["blocks"] == [[0, 1], [2, 3, 4], [5, 6]]
    assert result.block_text([2, 3, 4]) == "Mim Akter\nতোদের মতো লোকদের দেশ থেকে বের করে\nদেওয়া উচিত"
    back = OcrResult.from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
    assert back == result and back.blocks == result.blocks
    del data["blocks"]  # a result cached before blocks existed
    assert OcrResult.from_dict(data).blocks == result.blocks
    assert image_texts(result, "all") == [result.text] + [result.block_text(b) for b in result.blocks]
    assert image_texts(_result(THREAD[:2]), "all") == [_result(THREAD[:2]).text]  # one block: the whole text only


def _prediction(text: str, p: float | None) -> Prediction:
    probabilities = None if p is None else {"not_hate": 1 - p, "hate": p}
    label = "insufficient_text" if p is None else ("hate" if p >= 0.5 else "not_hate")
    return Prediction(text, {"binary": TaskPrediction(label, probabilities)}, insufficient_text=p is None)


def test_only_a_light_page_holds_several_messages():
    """Signs and watermarks on a picture are not messages: a picture's lines stay one block."""
    assert len(_result(THREAD).blocks) == 3
    picture = _result(THREAD, light_page=False)
    assert picture.blocks == [list(range(len(THREAD)))] and image_texts(picture, "all") == [picture.text]
    assert OcrResult.from_dict(picture.to_dict()).light_page is False
    old = _result(THREAD).to_dict()
    del old["light_page"]  # cached before the field existed: a picture, one block
    assert len(OcrResult.from_dict(old).blocks) == 1
    white = np.full((600, 800, 3), 250, np.uint8)
    white[100:130, 50:500] = 20  # dark text on a light page
    band = np.full((600, 800, 3), 90, np.uint8)
    band[:150] = 255  # a white caption band over a dark picture
    assert light_page(white) and not light_page(band) and not light_page(white[:0])


def test_riskiest_is_the_highest_p_hate_and_insufficient_text_counts_lowest():
    assert riskiest([_prediction("a", 0.2), _prediction("b", 0.7), _prediction("c", 0.7)]) == 1
    assert riskiest([_prediction("a", None), _prediction("b", 0.01)]) == 1
    assert riskiest([_prediction("a", None), _prediction("b", None)]) == 0


def test_analysis_with_blocks_round_trips_and_old_analyses_load():
    blocks = (BlockAnalysis("x", (0, 1), _prediction("x", 0.1)), BlockAnalysis("y", (2,), _prediction("y", 0.8)))
    analysis = Analysis("shot.png", "x y", "x y", False, blocks[1].prediction, "b1", _result(THREAD), blocks,
                        _prediction("x y", 0.4))
    data = json.loads(json.dumps(analysis.to_dict(), ensure_ascii=False))
    assert data["riskiest_block"] == 1 and [b["lines"] for b in data["blocks"]] == [[0, 1], [2]]
    assert Analysis.from_dict(data) == analysis
    for key in ("blocks", "riskiest_block", "text_prediction"):  # cached before blocks existed
        del data[key]
    old = Analysis.from_dict(data)
    assert old.blocks == () and old.riskiest_block is None and old.text_prediction is None


MESSAGES = ("আজকের খেলা দারুণ হয়েছে", "তোদের মতো লোকদের দেশ থেকে বের করে দেওয়া উচিত", "সবাইকে ঈদের শুভেচ্ছা")


@pytest.fixture(scope="module")
def thread_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("thread") / "thread.png"
    render_thread(list(MESSAGES), seed=3).save(path)
    return path


def test_render_thread_is_seeded():
    assert render_thread(["ক খ", "গ ঘ"], seed=1).tobytes() == render_thread(["ক খ", "গ ঘ"], seed=1).tobytes()
    assert render_thread(["ক খ", "গ ঘ"], seed=1).tobytes() != render_thread(["ক খ", "গ ঘ"], seed=2).tobytes()
    with pytest.raises(ValueError):
        render_thread(["ok", " "])


def test_a_thread_is_classified_per_block_in_one_batch(moderator4, thread_png, monkeypatch):
    """End to end on a rendered thread with the tiny model: OCR, three blocks, one batched classification of
    the whole text and each block, the riskiest block decides."""
    calls = []
    predict = moderator4.classifier.predict_normalized
    monkeypatch.setattr(moderator4.classifier, "predict_normalized",
                        lambda texts, *a: calls.append(list(texts)) or predict(texts, *a))
    analysis = moderator4.analyze_image(thread_png)
    assert len(analysis.blocks) == 3 and len(calls) == 1 and len(calls[0]) == 4
    for block, message in zip(analysis.blocks, MESSAGES):
        assert message.split()[0] in block.text  # each block holds its own message
    p = [block.prediction.hate_probability for block in analysis.blocks]
    alone = moderator4.classify([block.text for block in analysis.blocks])
    assert p == pytest.approx([a.hate_probability for a in alone], abs=1e-4)
    assert analysis.riskiest_block == p.index(max(p))
    assert analysis.prediction == analysis.blocks[analysis.riskiest_block].prediction
    assert analysis.text_prediction.text == analysis.normalized_text == calls[0][0]
    assert Analysis.from_dict(json.loads(json.dumps(analysis.to_dict(), ensure_ascii=False))) == analysis


def test_a_thread_takes_its_hateful_messages_risk(moderator4, thread_png, monkeypatch):
    """One hateful message among benign ones: the item gets the hateful block's risk, which the whole text
    dilutes. The tiny model has random weights, so a stand-in scores P(hate) as the share of a text's words
    that come from the hateful message."""
    hateful = set(MESSAGES[1].split())
    proba = moderator4.classifier.predict_proba
    hate = moderator4.classifier.tasks[0].labels.index("hate")

    def stand_in(texts, *args):
        out = proba(texts, *args)
        share = [sum(w in hateful for w in t.split()) / max(1, len(t.split())) for t in texts]
        out["binary"][:, hate] = share
        out["binary"][:, 1 - hate] = [1 - s for s in share]
        return out

    monkeypatch.setattr(moderator4.classifier, "predict_proba", stand_in)
    analysis = moderator4.analyze_image(thread_png)
    assert analysis.riskiest_block == 1 and analysis.prediction.is_hate
    assert analysis.prediction.hate_probability > 0.6 > 0.5 > analysis.text_prediction.hate_probability
    assert all(block.prediction.hate_probability < 0.2 for block in (analysis.blocks[0], analysis.blocks[2]))


def test_cli_json_and_triage_rows_carry_the_blocks(tiny_bundle, thread_png, tmp_path, capsys):
    from banglahate_gui import cli
    from banglahate_gui.data.synth_memes import render_meme
    from banglahate_gui.triage import triage, write_rows

    code = cli.main(["classify", "--bundle", str(tiny_bundle), "--device", "cpu", "--json", str(thread_png)])
    printed = json.loads(capsys.readouterr().out.strip())
    assert code == 0 and len(printed["blocks"]) == 3
    riskiest_index = printed["riskiest_block"]
    assert printed["prediction"] == printed["blocks"][riskiest_index]["prediction"]
    assert printed["ocr"]["blocks"] == [b["lines"] for b in printed["blocks"]]

    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "thread.png").write_bytes(thread_png.read_bytes())
    render_meme("তুই একটা বাজে লোক\nআজকের খেলা দারুণ হয়েছে", seed=4, size=(640, 480), style="plain").save(
        folder / "meme.png")
    result = triage([folder], tmp_path / "rows.jsonl", bundle=tiny_bundle, device="cpu", workers=1,
                    cache=tmp_path / "cache.sqlite", progress=False)
    rows = {row["path"].rsplit("/", 1)[-1]: row for row in result.rows}
    thread, meme = rows["thread.png"], rows["meme.png"]
    assert thread["blocks"] == 3 and thread["riskiest_block"] == riskiest_index
    assert thread["riskiest_block_text"] == printed["blocks"][riskiest_index]["text"]
    assert thread["hate_probability"] == pytest.approx(printed["prediction"]["hate_probability"], abs=1e-4)
    assert meme["blocks"] == 1 and meme["riskiest_block"] is None and meme["riskiest_block_text"] is None
    written = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["path"]: r["riskiest_block_text"] for r in written} == {r["path"]: r["riskiest_block_text"]
                                                                      for r in result.rows}
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    back = pq.read_table(write_rows(result.rows, tmp_path / "rows.parquet")).to_pylist()
    assert [r["riskiest_block"] for r in back] == [r["riskiest_block"] for r in result.rows]
