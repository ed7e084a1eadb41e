"""Fuzzing (hypothesis) over what untrusted input reaches: image bytes, text, bundle manifests, CLI arguments.

The CI profile keeps the whole file to about a minute or two; `BANGLAHATE_FUZZ=long` runs many more
examples locally (e.g. `BANGLAHATE_FUZZ=long pytest tests/test_fuzz.py`). Every property is the same:
bad input ends as the project's typed error (or argparse's exit 2), never as another exception.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from banglahate_gui import cli
from banglahate_gui.errors import BanglaHateError, BundleError, ImageError
from banglahate_gui.ocr import load_image
from banglahate_gui.text import MAX_CHARS, normalize

LONG = os.environ.get("BANGLAHATE_FUZZ", "").lower() == "long"
settings.register_profile("fuzz-ci", max_examples=120, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz-long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile("fuzz-long" if LONG else "fuzz-ci")


def _scaled(n: int) -> settings:
    """`n` examples in CI (derandomized: the same examples every run), 40x that in the long mode."""
    return settings(PROFILE, max_examples=n * 40 if LONG else n)


def _image_bytes(fmt: str) -> bytes:
    base = Image.new("RGB", (48, 32), "white")
    ImageDraw.Draw(base).text((4, 4), "ok", fill="black")
    buffer = io.BytesIO()
    if fmt == "GIF":
        base.save(buffer, fmt, save_all=True, append_images=[base.rotate(15)])
    elif fmt == "PNG16":
        Image.fromarray((__import__("numpy").asarray(base.convert("L")).astype("uint16") * 257)).save(buffer, "PNG")
    else:
        base.save(buffer, fmt)
    return buffer.getvalue()


BASES = {fmt: _image_bytes(fmt) for fmt in ("PNG", "PNG16", "JPEG", "GIF", "TIFF", "WEBP", "BMP")}


@st.composite
def mutated_images(draw) -> bytes:
    data = bytearray(BASES[draw(st.sampled_from(sorted(BASES)))])
    for position, value in draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)),
                                         max_size=8)):
        data[position] = value
    cut = draw(st.one_of(st.none(), st.integers(1, len(data))))
    return bytes(data[:cut] if cut else data)


@_scaled(1000)
@given(st.one_of(mutated_images(), st.binary(max_size=2048)))
def test_fuzz_image_loading_gives_an_image_or_an_image_error(data):
    try:
        image = load_image(data, max_pixels=4_000_000)
    except ImageError as exc:
        assert str(exc).startswith("pasted image: ") and "\n" not in str(exc)
    else:
        assert image.mode == "RGB" and image.size[0] * image.size[1] <= 4_000_000


@_scaled(1000)
@given(st.text(st.characters(exclude_categories=()), max_size=300))  # surrogates too
def test_fuzz_normalization(text):
    out = normalize(text)
    assert normalize(out) == out and len(out) <= MAX_CHARS
    out.encode("utf-8")


JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
                    | st.text(max_size=12), lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, prefix + (index,))


@st.composite
def mutated_manifests(draw, manifest: dict):
    """The manifest with a few subtrees replaced by random JSON or deleted (or the whole file replaced)."""
    data = json.loads(json.dumps(manifest))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(data))))
        if not path:
            data = draw(JSON)
            continue
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue
    return data


@pytest.fixture(scope="module")
def bundle_copy(tiny_bundle, tmp_path_factory) -> Path:
    """The tiny bundle with links to its weights and its own bundle.json to overwrite."""
    root = tmp_path_factory.mktemp("fuzzbundle") / "b"
    shutil.copytree(tiny_bundle, root, copy_function=os.symlink)
    (root / "bundle.json").unlink()
    shutil.copyfile(tiny_bundle / "bundle.json", root / "bundle.json")
    return root


def test_fuzz_bundle_manifest_gives_a_bundle_error(bundle_copy, tiny_bundle):
    """Manifest JSON fuzz: reading and loading end in a manifest or a `BundleError`, never a traceback."""
    from banglahate_gui.model import load_bundle, read_manifest

    manifest = json.loads((tiny_bundle / "bundle.json").read_text(encoding="utf-8"))
    loads = []

    @_scaled(300)
    @given(mutated_manifests(manifest))
    def check(data):
        (bundle_copy / "bundle.json").write_text(json.dumps(data), encoding="utf-8")
        try:
            read_manifest(bundle_copy)
        except BundleError as exc:
            assert "\n" not in str(exc).strip()
            return
        if len(loads) < (100 if LONG else 8):  # a full load per accepted manifest is slower: a sample
            loads.append(data)
            try:
                load_bundle(bundle_copy, device="cpu")
            except BundleError:
                pass

    check()


SUBCOMMANDS = ["ocr", "classify", "explain", "info", "triage", "data", "train", "evaluate", "trust-recognizer"]
TOKENS = st.one_of(st.sampled_from(SUBCOMMANDS + [
    "--json", "--text", "--threshold", "--samples", "--engine", "--device", "--bundle", "--task", "--seed",
    "--recognizer", "--preset", "--epochs", "--limit", "--file", "--column", "--workers", "--yes", "-h",
    "0.6", "5", "nan", "inf", "-1", "0", "1e309", "auto", "cuda", "binary", "x.png", "", "\udcff", "--"]),
    st.text(max_size=6))


@_scaled(600)
@given(st.lists(TOKENS, max_size=8))
def test_fuzz_cli_arguments_in_process(argv):
    """`cli.main` with random arguments: argparse's exit 2, or a command started with valid options
    (stubbed here, so the fuzz tests argument handling, not the engines)."""
    started = []

    def stub(args):
        started.append(args)
        threshold = getattr(args, "threshold", 0.5)
        assert 0.0 <= threshold <= 1.0
        assert getattr(args, "samples", None) is None or args.samples >= 1
        return 0

    with pytest.MonkeyPatch.context() as patch:
        for name in dir(cli):
            if name.startswith("cmd_"):
                patch.setattr(cli, name, stub)
        try:
            code = cli.main(argv)
        except SystemExit as exit_:
            assert exit_.code in (0, 2), exit_.code  # --help / argparse error
        else:
            assert code == 0 and len(started) == 1


def test_fuzz_errors_are_typed():
    """The fuzz above accepts only these error types: keep them part of the one error hierarchy."""
    assert issubclass(ImageError, BanglaHateError) and issubclass(BundleError, BanglaHateError)
