"""Near-duplicate grouping: same caption groups, a pHash only relaxes the caption match, another caption
on the same template never groups, sub-quadratic candidates, and rendered near-copies."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

from banglahate_gui.grouping import (
    GroupItem,
    _BKTree,
    candidate_pairs,
    caption_key,
    caption_similarity,
    group_ids,
    hash_distance,
    image_hash,
)

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "grouping.py"
CAPTIONS = [
    "তুই একটা বাজে লোক, তোর মুখ দেখতে চাই না",
    "ami tomake bhalobashi na ar kokhono kotha bolbo na",
    "এই দেশের রাজনীতি নিয়ে কিছু বলার নেই",
    "kal theke office e jabo na karon boss ekdom pagol",
    "খেলায় আজ বাংলাদেশ জিতেছে, সবাই খুশি",
    "এটা কি hate speech? নাকি শুধু মজা",
]


def _benchmark():
    spec = importlib.util.spec_from_file_location("grouping_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _noisy(text: str, rng: random.Random, edits: int) -> str:
    """OCR-like noise: `edits` single-character substitutions or deletions."""
    chars = list(text)
    for _ in range(edits):
        i = rng.randrange(len(chars))
        if rng.random() < 0.5:
            del chars[i]
        else:
            chars[i] = rng.choice("অকগতনমরলসািে")
    return "".join(chars)


def test_caption_key_ignores_spacing_punctuation_case():
    assert caption_key("Ami  tomake,\nbhalo-bashi!") == caption_key("ami tomake bhalobashi")
    assert caption_key("তুই একটা বাজে লোক") == "তুইএকটাবাজেলোক"  # vowel signs (marks) kept


NOISY = "তুই একটা বাজে লাক, তার মুখ দাখতে চাও না"  # 4 vowel signs misread


def test_rules_on_captions_and_hashes():
    assert 0.8 <= caption_similarity(caption_key(NOISY), caption_key(CAPTIONS[0])) < 0.9
    near, far = "ffff0000ffff0000", "0000ffff0000ffff"
    items = [
        GroupItem(CAPTIONS[0], near),
        GroupItem(CAPTIONS[0] + " !", None),                       # same caption, no hash: groups
        GroupItem(NOISY, "ffff0000ffff0003"),                      # OCR noise + close hash: groups
        GroupItem(CAPTIONS[2], "ffff0000ffff0001"),                # other caption, same template: alone
        GroupItem("", "1234567812345678"),
        GroupItem("", "1234567812345679"),                         # textless, near-identical image
        GroupItem("", "8765432187654321"),                         # textless, other image: alone
        GroupItem("", None),                                       # nothing to compare: alone
    ]
    ids = group_ids(items)
    assert ids == [0, 0, 0, 1, 2, 2, 3, 4]  # numbered in order of first member
    # the same OCR noise on another picture (or without a hash) is too far from the caption alone
    assert group_ids([GroupItem(CAPTIONS[0], near), GroupItem(NOISY, far)]) == [0, 1]
    assert group_ids([GroupItem(CAPTIONS[0], near), GroupItem(NOISY, None)]) == [0, 1]
    assert group_ids([]) == []


def test_bk_tree_matches_brute_force():
    rng = random.Random(1)
    values = [rng.getrandbits(64) for _ in range(400)]
    values += [v ^ (1 << rng.randrange(64)) for v in values[:50]]  # close neighbours
    tree = _BKTree()
    for i, v in enumerate(values):
        tree.add(v, i)
    for probe in values[:60]:
        brute = {i for i, v in enumerate(values) if (v ^ probe).bit_count() <= 6}
        assert set(tree.query(probe, 6)) == brute


def test_candidates_are_sub_quadratic_and_find_near_copies():
    rng = random.Random(0)
    alphabet = "অআইউএকখগঘচছজটডতদনপবমরলসহািীুেো "
    bases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(25, 60))) for _ in range(1000)]
    keys = [caption_key(b) for b in bases] + [caption_key(_noisy(b, rng, 1)) for b in bases[:200]]
    pairs = candidate_pairs(keys)
    n = len(keys)
    assert len(pairs) < 0.01 * n * (n - 1) / 2
    found = sum((i, 1000 + i) in pairs for i in range(200))
    assert found >= 190


def test_seeded_near_copies_precision_recall():
    """Rendered memes x (original, JPEG q30, crop <= 10 %, resize) plus a same-template decoy per meme;
    captions as OCR would give them (seeded character noise), hashes from the real images."""
    bench = _benchmark()
    samples = bench.near_copy_set(CAPTIONS, 6, seed=3)
    rng = random.Random(5)
    items = [GroupItem(_noisy(text, rng, rng.choice([0, 0, 1, 2])), image_hash(image))
             for image, _, _, text in samples]
    truth = [" ".join(text.split()) for _, _, _, text in samples]
    ids = group_ids(items)
    scores = bench.pair_scores(truth, ids)
    assert scores["true_pairs"] >= 6 * 6  # C(4, 2) per meme, more where two memes share a caption
    assert scores["precision"] >= 0.95, scores
    assert scores["recall"] >= 0.9, scores
    for k, (_, _, kind, _) in enumerate(samples):
        if kind == "decoy":
            assert ids[k] != ids[k - 1]  # never grouped with its template's meme


def test_near_copy_hashes_are_close_and_decoys_are_not_captions():
    bench = _benchmark()
    samples = bench.near_copy_set(CAPTIONS, 2, seed=0)
    hashes = [image_hash(image) for image, _, _, _ in samples]
    kinds = [kind for _, _, kind, _ in samples]
    assert kinds[:5] == ["original", "jpeg_q30", "crop", "resize", "decoy"]
    assert max(hash_distance(hashes[0], h) for h in hashes[1:4]) <= 12
