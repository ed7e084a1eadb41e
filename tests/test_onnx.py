"""ONNX Runtime path: fp32 parity (1e-4), the int8 gate (0.01 or rejected), integrity checks, the automatic
choice (measured once, cached, never instead of CUDA), and LIME on the same path. Six-task tiny bundle."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")

from banglahate_gui.model import onnx  # noqa: E402
from banglahate_gui.model.fused import load_bundle  # noqa: E402
from banglahate_gui.text import normalize  # noqa: E402


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BANGLAHATE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def texts(sample_texts):
    return [t for t in (normalize(x) for x in sample_texts) if t][:160]


def _max_diff(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float(np.abs(a[t] - b[t]).max()) for t in a)


def _plan(cache_dir):
    [path] = (cache_dir / "onnx").glob("*/plan.json")
    return json.loads(path.read_text()), path.parent


def test_fp32_parity_every_task_and_shape(tiny_bundle6, texts, cache):
    reference = load_bundle(tiny_bundle6, device="cpu", inference="torch")
    fast = load_bundle(tiny_bundle6, device="cpu", inference="onnx")
    assert fast.inference == "onnx" and set(fast.runtimes) == {"xlmr", "muril"}
    assert [t.name for t in fast.tasks] == ["binary", "type", "target", "severity", "violence", "toxicity"]
    for batch_size in (1, 7, 64):  # batch 1, ragged and full batches: dynamic batch and sequence axes
        assert _max_diff(fast.predict_proba(texts, batch_size), reference.predict_proba(texts, batch_size)) <= 1e-4
    ours, theirs = fast.predict_normalized(texts[:40]), reference.predict_normalized(texts[:40])
    assert [p.tasks["toxicity"].label for p in ours] == [p.tasks["toxicity"].label for p in theirs]
    plan, _ = _plan(cache)
    assert plan["fp32_ok"] and plan["fused_max_diff"]["onnx"] <= 1e-4


def test_int8_kept_only_within_tolerance(tiny_bundle6, texts, cache):
    classifier = load_bundle(tiny_bundle6, device="cpu", inference="torch")
    reference = classifier.predict_proba(texts)
    plan, folder = onnx.prepare(classifier, tiny_bundle6, texts=texts)
    accepted = [m for m, e in plan["members"].items() if e["int8"]["accepted"]]
    classifier.use("onnx-int8", onnx.open_sessions(classifier, plan, folder, "int8", 1))
    # measured here, not read from the plan, under batchings of its own: int8 scales depend on the batch
    assert _max_diff(classifier.predict_proba(texts), reference) <= 0.01
    reversed_reference = {t: p[::-1] for t, p in reference.items()}
    assert _max_diff(classifier.predict_proba(texts[::-1], batch_size=7), reversed_reference) <= 0.01
    for i in range(20):
        assert _max_diff(classifier.predict_proba([texts[i]]), {t: p[i:i + 1] for t, p in reference.items()}) <= 0.01
    assert plan["sample"]["batchings"] == list(onnx.GATE_BATCHINGS)
    for member in plan["members"]:
        assert classifier.runtimes[member].path.name == f"{member}.{'int8' if member in accepted else 'fp32'}.onnx"
    # a tolerance nothing quantized can meet: every int8 copy is rejected, "onnx-int8" runs fp32 everywhere
    strict, folder = onnx.prepare(classifier, tiny_bundle6, texts=texts, int8_tolerance=1e-9)
    assert not any(e["int8"]["accepted"] for e in strict["members"].values())
    assert strict["fused_max_diff"]["onnx-int8"] is None
    classifier.use("onnx-int8", onnx.open_sessions(classifier, strict, folder, "int8", 1))
    assert {s.path.name for s in classifier.runtimes.values()} == {"xlmr.fp32.onnx", "muril.fp32.onnx"}
    assert _max_diff(classifier.predict_proba(texts), reference) <= 1e-4


def test_integrity_tampered_file_is_exported_again_never_run(tiny_bundle6, texts, cache):
    reference = load_bundle(tiny_bundle6, device="cpu", inference="torch").predict_proba(texts[:30])
    load_bundle(tiny_bundle6, device="cpu", inference="onnx")
    plan, folder = _plan(cache)
    target = folder / plan["members"]["xlmr"]["fp32"]["file"]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(onnx.OnnxUnavailable, match="SHA-256"):
        onnx.OnnxEncoder(target, plan["members"]["xlmr"]["fp32"]["sha256"], ("binary",), 1)
    assert onnx.read_plan(folder, {m: e["weights_sha256"] for m, e in plan["members"].items()}) is None
    again = load_bundle(tiny_bundle6, device="cpu", inference="onnx")  # re-exported, then verified and run
    assert target.read_bytes() != bytes(data)
    assert _max_diff(again.predict_proba(texts[:30]), reference) <= 1e-4


def test_changed_weights_get_their_own_export(tiny_bundle6, tmp_path, cache):
    import shutil

    from safetensors.torch import load_file, save_file

    copy = shutil.copytree(tiny_bundle6, tmp_path / "copy")
    load_bundle(copy, device="cpu", inference="onnx")
    heads = load_file(str(copy / "xlmr" / "heads.safetensors"))
    save_file({k: v + 0.5 for k, v in heads.items()}, str(copy / "xlmr" / "heads.safetensors"))
    load_bundle(copy, device="cpu", inference="onnx")
    assert len(list((cache / "onnx").glob("*/plan.json"))) == 2  # a new key: the old export is never reused


def test_auto_measures_once_and_caches_the_choice(tiny_bundle6, cache, monkeypatch):
    first = load_bundle(tiny_bundle6, device="cpu", inference="auto")
    plan, _ = _plan(cache)
    speed = plan["speed"][str(torch.get_num_threads())]
    assert first.inference == speed["choice"] in ("torch", "onnx", "onnx-int8")
    assert set(speed["texts_per_second"]) >= {"torch", "onnx"}
    if speed["choice"] != "torch":
        assert speed["texts_per_second"][speed["choice"]] >= 1.05 * speed["texts_per_second"]["torch"]
    monkeypatch.setattr(onnx, "measure", lambda *a, **k: pytest.fail("measured twice"))
    monkeypatch.setattr(onnx, "export_encoder", lambda *a, **k: pytest.fail("exported twice"))
    assert load_bundle(tiny_bundle6, device="cpu", inference="auto").inference == first.inference


def test_auto_falls_back_to_torch_and_explicit_onnx_fails_loudly(tiny_bundle6, cache, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("exporter broke")

    monkeypatch.setattr(onnx, "export_encoder", broken)
    assert load_bundle(tiny_bundle6, device="cpu", inference="auto").inference == "torch"
    with pytest.raises(onnx.OnnxUnavailable, match="exporter broke"):
        load_bundle(tiny_bundle6, device="cpu", inference="onnx")
    with pytest.raises(ValueError, match="unknown inference"):
        onnx.requested_inference("tensorrt")


def test_cuda_is_never_replaced(tiny_bundle6, cache):
    used = []
    fake = types.SimpleNamespace(device=torch.device("cuda"), branches={"xlmr": None},
                                 use=lambda name, runtimes: used.append((name, runtimes)))
    for asked in ("auto", "onnx", "onnx-int8"):
        assert onnx.configure(fake, tiny_bundle6, asked) == "torch"
    assert used == [("torch", {})] * 3
    assert not (cache / "onnx").exists()  # nothing exported or measured


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_load_stays_on_pytorch(tiny_bundle6, cache):
    classifier = load_bundle(tiny_bundle6, device="cuda", inference="auto")
    assert classifier.inference == "torch" and not classifier.runtimes and classifier.device.type == "cuda"


def test_lime_runs_on_the_onnx_path(tiny_bundle6, texts, cache, monkeypatch):
    from banglahate_gui.explain import explain

    classifier = load_bundle(tiny_bundle6, device="cpu", inference="onnx")
    calls = []
    original = onnx.OnnxEncoder.__call__
    monkeypatch.setattr(onnx.OnnxEncoder, "__call__", lambda self, *a: calls.append(1) or original(self, *a))
    text = max(texts[:40], key=lambda t: len(t.split()))
    fast = explain(classifier, text, tasks=["binary", "toxicity"], num_samples=64, seed=0)
    assert calls  # the perturbed texts went through ONNX Runtime
    classifier.use("torch", {})
    slow = explain(classifier, text, tasks=["binary", "toxicity"], num_samples=64, seed=0)
    for task in ("binary", "toxicity"):  # same neighbourhood, same scores within fp32 parity: same explanation
        a, b = fast.tasks[task], slow.tasks[task]
        assert a.label == b.label and abs(a.probability - b.probability) <= 1e-4
        assert [w.word for w in a.words[:3]] == [w.word for w in b.words[:3]]
        assert max(abs(x.weight - y.weight) for x, y in zip(a.words, b.words)) <= 1e-3
