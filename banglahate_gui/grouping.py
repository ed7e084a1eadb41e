"""Near-duplicate groups: "the same meme" = the same caption, re-encoded, cropped or resized.

Engine code (no Qt): the CLI's triage and the GUI's queue both call `group_ids`.

Rules, in order of strength:
- captions whose similarity (normalized Indel ratio of the letters, marks and digits, spaces and
  punctuation ignored) is at least `text_threshold` are one group;
- a perceptual hash (`image_hash`, 64-bit pHash) within `hash_distance` bits only relaxes the caption
  threshold to `image_text_threshold` — enough for OCR noise on a re-encoded copy, never for another
  caption on the same template (such captions differ far more than OCR noise does);
- items without caption text group only with textless items whose images are near-identical
  (`empty_hash_distance`).

Sub-quadratic: candidate pairs come from MinHash LSH over character 3-shingles (texts) and from a
BK-tree over the hashes (textless items); only candidates are compared exactly.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from rapidfuzz.distance import Indel

SHINGLE = 3
NUM_PERM = 126
BANDS = 42  # 42 bands x 3 rows: a pair is a candidate with P 0.93 at shingle Jaccard 0.4, > 0.999 at 0.6
TEXT_THRESHOLD = 0.90
IMAGE_TEXT_THRESHOLD = 0.80
HASH_DISTANCE = 12
EMPTY_HASH_DISTANCE = 4
_MASK32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class GroupItem:
    """One item to group: its normalized caption and, when known, its `image_hash` (hex)."""

    text: str
    image_hash: str | None = None


def image_hash(image: Image.Image) -> str:
    """64-bit perceptual hash (DCT pHash) as 16 hex digits."""
    import imagehash

    return str(imagehash.phash(image.convert("L")))


def hash_distance(a: str, b: str) -> int:
    """Hamming distance between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def caption_key(text: str) -> str:
    """What captions are compared on: casefolded letters, marks and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text).casefold()
                   if unicodedata.category(ch)[0] in "LMN")


def caption_similarity(a: str, b: str) -> float:
    """Normalized Indel similarity (0..1) of two caption keys."""
    return Indel.normalized_similarity(a, b)


def group_ids(items: Sequence[GroupItem], *, text_threshold: float = TEXT_THRESHOLD,
              image_text_threshold: float = IMAGE_TEXT_THRESHOLD, max_hash_distance: int = HASH_DISTANCE,
              empty_hash_distance: int = EMPTY_HASH_DISTANCE, seed: int = 0) -> list[int]:
    """A group number per item (0, 1, ... in order of first member); singletons get their own."""
    keys = [caption_key(item.text) for item in items]
    groups = _UnionFind(len(items))
    # Identical keys are one group outright; LSH then runs over one representative per key.
    first_of: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key:
            groups.union(first_of.setdefault(key, i), i)
    reps = list(first_of.values())  # a hash-relaxed merge compares the representatives' hashes
    for a, b in candidate_pairs([keys[i] for i in reps], seed):
        i, j = reps[a], reps[b]
        similarity = caption_similarity(keys[i], keys[j])
        if similarity >= text_threshold or (
            similarity >= image_text_threshold and _hashes_close(items[i], items[j], max_hash_distance)
        ):
            groups.union(i, j)
    # Textless items: near-identical images only (BK-tree radius query).
    textless = [i for i, key in enumerate(keys) if not key and items[i].image_hash]
    tree = _BKTree()
    for i in textless:
        value = int(items[i].image_hash, 16)
        for j in tree.query(value, empty_hash_distance):
            groups.union(i, j)
        tree.add(value, i)
    return groups.labels()


def _hashes_close(a: GroupItem, b: GroupItem, limit: int) -> bool:
    return bool(a.image_hash and b.image_hash) and hash_distance(a.image_hash, b.image_hash) <= limit


def _shingles(key: str) -> np.ndarray:
    grams = {key[i:i + SHINGLE] for i in range(max(1, len(key) - SHINGLE + 1))}
    return np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint64, count=len(grams))


def candidate_pairs(keys: list[str], seed: int = 0) -> set[tuple[int, int]]:
    """Index pairs (a < b) of caption keys that share at least one MinHash band (LSH candidates)."""
    rng = np.random.default_rng(seed)
    mult = rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)  # odd multipliers
    add = rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
    rows = NUM_PERM // BANDS
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    with np.errstate(over="ignore"):
        for index, key in enumerate(keys):
            hashed = ((_shingles(key)[:, None] * mult[None, :] + add[None, :]) >> np.uint64(32)) & _MASK32
            signature = hashed.min(axis=0).astype(np.uint32)
            for band in range(BANDS):
                buckets[band, signature[band * rows:(band + 1) * rows].tobytes()].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        for x, a in enumerate(members):
            pairs.update((a, b) for b in members[x + 1:])
    return pairs


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def labels(self) -> list[int]:
        numbers: dict[int, int] = {}
        return [numbers.setdefault(self.find(i), len(numbers)) for i in range(len(self.parent))]


class _BKTree:
    """Metric tree over 64-bit ints with Hamming distance: radius queries without a full scan."""

    def __init__(self):
        self.root: tuple[int, int, dict] | None = None

    def add(self, value: int, index: int) -> None:
        if self.root is None:
            self.root = (value, index, {})
            return
        node = self.root
        while True:
            d = (value ^ node[0]).bit_count()
            if d not in node[2]:
                node[2][d] = (value, index, {})
                return
            node = node[2][d]

    def query(self, value: int, radius: int) -> list[int]:
        found, stack = [], [self.root] if self.root else []
        while stack:
            node_value, index, children = stack.pop()
            d = (value ^ node_value).bit_count()
            if d <= radius:
                found.append(index)
            stack.extend(child for dist, child in children.items() if d - radius <= dist <= d + radius)
        return found
