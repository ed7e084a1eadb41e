"""The project's OCR noise, measured once and replayed on training text.

`build` renders seeded memes of the four `MEME_STYLES` whose captions are corpus TRAIN rows (meme captions
first, then other Bengali and a few Banglish rows; never validation or test), reads each with the shipped
gated reader (`ocr.OcrReader`, as the app does), pairs every OCR line with the caption words drawn inside
its box, normalizes both (`text.normalize`) and aligns them character by character (rapidfuzz edit ops).
It counts, per truth character: substitutions (look-alike letters), deletions (lost vowel signs, hasanta),
insertions after each kind of character (extra signs, stray Latin), merged words (a lost space), split
words (an extra space) and caption words the detector missed; the counts go to a plain JSON file.

`OcrNoise.corrupt` replays those rates on a normalized text: the same ops, sampled per character.

    nice -n 5 python -m banglahate_gui.train.ocr_noise build --out banglahate_gui/resources/ocr/ocr_noise.json
    nice -n 15 python -m banglahate_gui.train.ocr_noise read-captions --out ocr_test_captions.jsonl
"""

from __future__ import annotations

import argparse
import bisect
import functools
import hashlib
import json
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from banglahate_gui.defaults import TEXT_SCOPE
from banglahate_gui.text import normalize
from banglahate_gui.text.tables import NUM_TOKEN, URL_TOKEN, USER_TOKEN

VERSION = 1
SEED = 2026
LINES = 100  # memes (one caption each, ~3.5 OCR lines): 4-7 s a meme on this 2-core CPU
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "resources" / "ocr" / "ocr_noise.json"
PHOTOS = Path("/usr/share/backgrounds")
MEME_SOURCES = ("karim_memes", "karim_v1", "karim_v2")
# Caption mix of `build`: meme captions, other Bengali-script rows, romanized (Banglish) rows.
MIX = {"meme": 0.65, "bengali": 0.25, "banglish": 0.10}
SHRINK = 10.0  # pseudo-count pulling a rarely seen character's rates towards its class's rate
TOKENS = (URL_TOKEN, USER_TOKEN, NUM_TOKEN)
_PUA = {token: chr(0xE000 + i) for i, token in enumerate(TOKENS)}  # a placeholder aligns as one symbol
_FROM_PUA = {v: k for k, v in _PUA.items()}
_SPACED_TOKENS = {ord(v): f" {k} " for k, v in _PUA.items()}
_TOKEN_RE = re.compile("|".join(re.escape(t) for t in TOKENS))
CLASSES = ("consonant", "vowel", "sign", "latin", "digit", "space", "other")
OPS = ("deletion", "substitution", "insertion", "split")
_TABLE_SIZE = 0x10000  # per-code-point lookup; anything above (emoji) shares the last slot with "other"


class OcrNoiseError(ValueError):
    """An OCR noise file is missing, unreadable or malformed."""


def char_class(ch: str) -> str:
    """The kind of character, as the rates are grouped: Bengali consonant / independent vowel / sign
    (vowel signs, hasanta, candrabindu, nukta), Latin letter, digit or placeholder, space, other."""
    if ch == " ":
        return "space"
    if ch in _FROM_PUA or ch.isdigit():
        return "digit"
    cp = ord(ch)
    if 0x0995 <= cp <= 0x09B9 or cp in (0x09CE, 0x09DC, 0x09DD, 0x09DF, 0x09F0, 0x09F1):
        return "consonant"
    if 0x0985 <= cp <= 0x0994 or cp in (0x09E0, 0x09E1):
        return "vowel"
    if 0x0981 <= cp <= 0x0983 or 0x09BC <= cp <= 0x09D7 or cp in (0x09E2, 0x09E3):
        return "sign"
    if ch.isascii() and ch.isalpha():
        return "latin"
    return "other"


@functools.lru_cache(maxsize=1)
def _class_index() -> np.ndarray:
    """`CLASSES` index of every code point below `_TABLE_SIZE` (surrogates: "other")."""
    other = CLASSES.index("other")
    return np.array([other if 0xD800 <= cp <= 0xDFFF else CLASSES.index(char_class(chr(cp)))
                     for cp in range(_TABLE_SIZE)], dtype=np.int8)


def to_symbols(text: str) -> str:
    """`text` with each placeholder token as one private-use symbol."""
    return _TOKEN_RE.sub(lambda m: _PUA[m.group()], text) if "<" in text else text


def from_symbols(text: str) -> str:
    return "".join(_FROM_PUA.get(ch, ch) for ch in text) if any(ch in _FROM_PUA for ch in text) else text


# --- counting -------------------------------------------------------------------------------------------


@dataclass
class NoiseCounts:
    """Edit counts of OCR readings against their truth (normalized, placeholders as symbols)."""

    chars: Counter = field(default_factory=Counter)            # truth characters (space included)
    pairs: int = 0                                             # non-space truth chars followed by a non-space
    deletions: Counter = field(default_factory=Counter)        # truth char -> times lost (space: a merge)
    substitutions: dict = field(default_factory=lambda: defaultdict(Counter))  # truth char -> read char -> n
    insertions: dict = field(default_factory=lambda: defaultdict(Counter))     # class of the char before -> text
    splits: int = 0                                            # spaces inserted inside a word
    words: int = 0                                             # caption words drawn
    missed_words: int = 0                                      # caption words in no OCR line
    lines: int = 0                                             # aligned OCR lines
    spurious_lines: int = 0                                    # OCR lines over no drawn word
    edits: int = 0                                             # Levenshtein distance, summed

    def add(self, truth: str, reading: str) -> None:
        """Count the edits turning `truth` into `reading` (both normalized)."""
        from rapidfuzz.distance import Levenshtein

        truth, reading = to_symbols(truth), to_symbols(reading)
        self.lines += 1
        self.chars.update(truth)
        self.pairs += sum(a != " " and b != " " for a, b in zip(truth, truth[1:]))
        ops = Levenshtein.editops(truth, reading)
        self.edits += len(ops)
        for op in ops:
            before = char_class(truth[op.src_pos - 1]) if op.src_pos > 0 else "space"
            if op.tag == "delete":
                self.deletions[truth[op.src_pos]] += 1
            elif op.tag == "insert":
                if reading[op.dest_pos] == " ":
                    self.splits += 1
                else:
                    self.insertions[before][reading[op.dest_pos]] += 1
            else:
                a, b = truth[op.src_pos], reading[op.dest_pos]
                if a == " ":  # a space read as a letter: the words merged, and a letter came in
                    self.deletions[" "] += 1
                    self.insertions["space"][b] += 1
                elif b == " ":  # a letter read as a space: the letter is lost, the word split
                    self.deletions[a] += 1
                    self.splits += 1
                else:
                    self.substitutions[a][b] += 1

    def rates(self) -> dict[str, float]:
        """Per-op rates: per truth character, per space (merge), per in-word gap (split), per word."""
        total = sum(self.chars.values())
        spaces = self.chars[" "]
        letters = max(1, total - spaces)
        signs = sum(n for ch, n in self.chars.items() if char_class(ch) == "sign")
        inserted = sum(sum(c.values()) for c in self.insertions.values())
        latin_in = sum(n for c in self.insertions.values() for ch, n in c.items() if char_class(ch) == "latin")
        latin_sub = sum(n for a, c in self.substitutions.items() if char_class(a) != "latin"
                        for b, n in c.items() if char_class(b) == "latin")
        return {
            "char_error_rate": round(self.edits / max(1, total), 5),
            "substitution": round(sum(sum(c.values()) for c in self.substitutions.values()) / letters, 5),
            "deletion": round((sum(self.deletions.values()) - self.deletions[" "]) / letters, 5),
            "insertion": round(inserted / max(1, total), 5),
            "merge": round(self.deletions[" "] / max(1, spaces), 5),
            "split": round(self.splits / max(1, self.pairs), 5),
            "stray_latin": round((latin_in + latin_sub) / letters, 5),
            "sign_deletion": round(sum(n for ch, n in self.deletions.items() if char_class(ch) == "sign")
                                   / max(1, signs), 5),
            "sign_insertion": round(sum(n for c in self.insertions.values() for ch, n in c.items()
                                        if char_class(ch) == "sign") / max(1, total), 5),
            "drop_word": round(self.missed_words / max(1, self.words), 5),
        }

    def to_dict(self) -> dict:
        """The JSON tables (placeholder symbols written back as their tokens), most frequent first."""
        def keyed(counter: Counter) -> dict[str, int]:
            return {from_symbols(k): int(n) for k, n in counter.most_common()}

        top_subs = sorted(((a, b, n) for a, c in self.substitutions.items() for b, n in c.items()),
                          key=lambda x: (-x[2], x[0], x[1]))
        top_ins = sorted(((k, b, n) for k, c in self.insertions.items() for b, n in c.items()),
                         key=lambda x: (-x[2], x[0], x[1]))
        return {
            "rates": self.rates(),
            "totals": {"truth_chars": sum(self.chars.values()), "spaces": self.chars[" "], "in_word_gaps": self.pairs,
                       "edits": self.edits, "lines": self.lines, "spurious_lines": self.spurious_lines,
                       "words": self.words, "missed_words": self.missed_words, "splits": self.splits,
                       "merges": self.deletions[" "]},
            "top": {
                "substitutions": [[from_symbols(a), from_symbols(b), n] for a, b, n in top_subs[:40]],
                "deletions": [[from_symbols(a), n] for a, n in self.deletions.most_common(25)],
                "insertions": [[k, from_symbols(b), n] for k, b, n in top_ins[:25]],
            },
            "chars": keyed(self.chars),
            "deletions": keyed(self.deletions),
            "substitutions": {from_symbols(a): keyed(c) for a, c in sorted(self.substitutions.items())},
            "insertions": {k: keyed(self.insertions[k]) for k in CLASSES if self.insertions.get(k)},
        }


# --- replaying ------------------------------------------------------------------------------------------


def _symbol(key: str, where: str) -> str:
    if key in _PUA:
        return _PUA[key]
    if len(key) != 1:
        raise OcrNoiseError(f"{where}: {key!r} is neither one character nor a placeholder token")
    return key


def _counts(value, where: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise OcrNoiseError(f"{where} must be an object of counts")
    for key, n in value.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise OcrNoiseError(f"{where}[{key!r}] must be a count (int >= 0), got {n!r}")
    return value


class OcrNoise:
    """Replays a measured OCR confusion model (`build`) on normalized text."""

    def __init__(self, data: dict, path: str = "") -> None:
        where = path or "OCR noise"
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise OcrNoiseError(f"{where}: not an OCR noise file of version {VERSION}")
        missing = [k for k in ("rates", "totals", "chars", "deletions", "substitutions", "insertions") if k not in data]
        if missing:
            raise OcrNoiseError(f"{where}: missing {', '.join(missing)}")
        self.data, self.path = data, path
        chars = {_symbol(k, f"{where} chars"): n for k, n in _counts(data["chars"], f"{where} chars").items()}
        deletions = {_symbol(k, f"{where} deletions"): n
                     for k, n in _counts(data["deletions"], f"{where} deletions").items()}
        if not isinstance(data["substitutions"], dict) or not isinstance(data["insertions"], dict):
            raise OcrNoiseError(f"{where}: substitutions and insertions must be objects")
        subs = {_symbol(a, f"{where} substitutions"):
                {_symbol(b, f"{where} substitutions[{a!r}]"): n
                 for b, n in _counts(c, f"{where} substitutions[{a!r}]").items() if n}
                for a, c in data["substitutions"].items()}
        inserts = {}
        for kind, c in data["insertions"].items():
            if kind not in CLASSES:
                raise OcrNoiseError(f"{where}: insertions after unknown class {kind!r}")
            inserts[kind] = {_symbol(b, f"{where} insertions[{kind!r}]"): n
                             for b, n in _counts(c, f"{where} insertions[{kind!r}]").items() if n}
        totals = data["totals"]
        try:
            pairs, words, missed = int(totals["in_word_gaps"]), int(totals["words"]), int(totals["missed_words"])
            splits, lines = int(totals["splits"]), int(totals["lines"])
        except (KeyError, TypeError, ValueError) as exc:
            raise OcrNoiseError(f"{where}: totals need in_word_gaps, words, missed_words, splits, lines "
                                f"({exc})") from None
        if sum(chars.values()) == 0 or any(chars.get(a, 0) < sum(c.values()) + deletions.get(a, 0)
                                          for a, c in subs.items()):
            raise OcrNoiseError(f"{where}: counts disagree (more edits of a character than times it was seen)")
        self.drop_word = missed / max(1, words)
        self._build_tables(chars, deletions, subs, inserts, splits / max(1, pairs), lines)

    def _build_tables(self, chars: dict, deletions: dict, subs: dict, inserts: dict, split: float,
                      lines: int) -> None:
        """Per code point: the chance of any op and the cumulative share of each op (`OPS` order)."""
        per_class = defaultdict(lambda: [0, 0, 0])  # class -> [seen, deleted, substituted]
        for ch, n in chars.items():
            row = per_class[char_class(ch)]
            row[0] += n
            row[1] += deletions.get(ch, 0)
            row[2] += sum(subs.get(ch, {}).values())
        self.insert_choices = {}
        insert_rate = {}
        for kind in CLASSES:
            table = inserts.get(kind, {})
            seen = per_class[kind][0] + (lines if kind == "space" else 0)  # a line starts after a "space"
            insert_rate[kind] = sum(table.values()) / seen if seen else 0.0
            if table:
                self.insert_choices[kind] = _choices(table)
        self.sub_choices = {a: _choices(c) for a, c in subs.items() if c}
        class_rates = np.zeros((len(CLASSES), len(OPS)))
        for k, kind in enumerate(CLASSES):
            seen, deleted, substituted = per_class[kind]
            class_rates[k] = (deleted / seen if seen else 0.0, substituted / seen if seen else 0.0,
                              insert_rate[kind], 0.0 if kind == "space" else split)
        # a code point has its class's rates without substitution (no measured target to swap it for) ...
        rates = class_rates[_class_index()]
        rates[:, 1] = 0.0
        # ... and a character seen in the measurement its own, shrunk towards its class's
        for ch, n in chars.items():
            if ord(ch) >= _TABLE_SIZE:
                continue
            delete, substitute, _insert, _split = class_rates[CLASSES.index(char_class(ch))]
            rates[ord(ch), 0] = (deletions.get(ch, 0) + SHRINK * delete) / (n + SHRINK)
            if ch in self.sub_choices:
                rates[ord(ch), 1] = (sum(subs[ch].values()) + SHRINK * substitute) / (n + SHRINK)
        self._total = rates.sum(axis=1)
        self._cum = np.cumsum(rates, axis=1) / np.where(self._total > 0, self._total, 1.0)[:, None]

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> OcrNoise:
        """Read and check a noise file written by `build`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise OcrNoiseError(f"no OCR noise file at {path}: build one with "
                                "`python -m banglahate_gui.train.ocr_noise build`") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise OcrNoiseError(f"{path} is not readable JSON: {exc}") from None
        return cls(data, str(path))

    @property
    def rates(self) -> dict[str, float]:
        """The measured rates (`NoiseCounts.rates`)."""
        return dict(self.data["rates"])

    def corrupt(self, text: str, rng: np.random.Generator, strength: float = 1.0) -> str:
        """`text` (normalized) as the project's OCR might have read it: measured deletions, look-alike
        substitutions, insertions, merged and split words and missed words, each at `strength` times its
        measured rate; never every word. Deterministic for a given `rng` state; `strength` 0 returns `text`
        unchanged."""
        if strength <= 0 or not text:
            return text
        symbols = to_symbols(text)
        codes = np.frombuffer(symbols.encode("utf-32-le"), dtype=np.uint32)
        codes = np.minimum(codes, _TABLE_SIZE - 1)
        n_chars = codes.size
        n_words = symbols.count(" ") + 1
        draws = rng.random(n_chars + n_words)
        chance = self._total[codes] * strength if strength != 1.0 else self._total[codes]
        hits = np.flatnonzero(draws[:n_chars] < chance)
        dropped = (np.flatnonzero(draws[n_chars:] < self.drop_word * strength)
                   if self.drop_word > 0 else ())
        if len(dropped) >= len(symbols.split()):  # a reading keeps at least one word
            dropped = ()
        if not hits.size and not len(dropped):
            return text
        pieces = list(symbols)
        for i in hits.tolist():
            p = min(1.0, float(chance[i]))
            r = float(draws[i]) / p  # uniform in [0, 1): picks the op, and what is left picks its output
            cum = self._cum[codes[i]]
            op = int(np.searchsorted(cum, r, side="right"))
            op = min(op, len(OPS) - 1)
            low = float(cum[op - 1]) if op else 0.0
            rest = (r - low) / max(1e-12, float(cum[op]) - low)
            ch = symbols[i]
            if OPS[op] == "deletion":
                pieces[i] = ""
            elif OPS[op] == "substitution":
                pieces[i] = _pick(self.sub_choices[ch], rest) if ch in self.sub_choices else ch
            elif OPS[op] == "insertion":
                kind = char_class(ch)
                pieces[i] = ch + _pick(self.insert_choices[kind], rest) if kind in self.insert_choices else ch
            elif i + 1 < n_chars and symbols[i + 1] != " " and ch != " ":
                pieces[i] = ch + " "
        if len(dropped):
            drop = set(dropped.tolist())
            for index, match in enumerate(re.finditer(r"[^ ]+", symbols)):
                if index in drop:
                    pieces[match.start():match.end()] = [""] * (match.end() - match.start())
        # placeholders stand apart, as `normalize` leaves them in a reading
        return normalize("".join(pieces).translate(_SPACED_TOKENS))


def _choices(counts: dict[str, int]) -> tuple[list[str], list[float]]:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(n for _k, n in items)
    return [k for k, _n in items], list(np.cumsum([n / total for _k, n in items]))


def _pick(choices: tuple[list[str], list[float]], u: float) -> str:
    values, cum = choices
    return values[min(bisect.bisect_right(cum, u), len(values) - 1)]


# --- rendering and reading ------------------------------------------------------------------------------


def drawable(text: str, rng: random.Random) -> str:
    """A normalized corpus text as it could appear on a meme: placeholders become a number, a link or a
    handle (normalizing the result gives the placeholders back), long texts become top and bottom text."""
    text = re.sub(re.escape(NUM_TOKEN), lambda _m: str(rng.randint(2, 2030)), text)
    text = re.sub(re.escape(URL_TOKEN), "www.fb.com/page", text)
    text = re.sub(re.escape(USER_TOKEN), "@user", text)
    words = text.split()
    if len(words) > 7:
        half = (len(words) + 1) // 2
        return " ".join(words[:half]) + "\n" + " ".join(words[half:])
    return " ".join(words)


def _rows_of_words(words: list[tuple[str, tuple[int, int, int, int], bool]]) -> list[str]:
    """Words in reading order: rows by top edge (within half a word height), left to right."""
    ordered = sorted(words, key=lambda w: (w[1][1], w[1][0]))
    rows: list[list] = []
    for word in ordered:
        height = max(1, word[1][3] - word[1][1])
        if rows and abs(word[1][1] - rows[-1][0][1][1]) <= height / 2:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [w[0] for row in rows for w in sorted(row, key=lambda w: w[1][0])]


def _inside(box: tuple[int, int, int, int], word_box: tuple) -> bool:
    cx, cy = (word_box[0] + word_box[2]) / 2, (word_box[1] + word_box[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def meme_record(result, words) -> dict:
    """One read meme as (truth, reading) line pairs: each OCR line against the caption words inside its
    box (both normalized), plus caption words in no line and OCR lines over no drawn word."""
    caption_words = [w for w in words if w[2]]
    covered, pairs, spurious = set(), [], 0
    for line in result.lines:
        inside = [w for w in words if _inside(line.bbox, w[1])]
        if not inside:
            spurious += 1
            continue
        mine = [w for w in inside if w[2]]
        if mine:  # else a sign or a button: not caption text
            covered.update(id(w) for w in mine)
            pairs.append([normalize(" ".join(_rows_of_words(mine))), normalize(line.text)])
    return {"pairs": pairs, "words": len(caption_words), "missed": sum(id(w) not in covered for w in caption_words),
            "spurious": spurious}


def _absorb(counts: NoiseCounts, record: dict) -> None:
    for truth, reading in record["pairs"]:
        counts.add(truth, reading)
    counts.words += record["words"]
    counts.missed_words += record["missed"]
    counts.spurious_lines += record["spurious"]


def train_captions(data_dir: Path, seed: int) -> list[str]:
    """Captions of 6-14 words (<= 110 characters: two or three OCR lines each, so one detector pass reads
    more text) from the corpus TRAIN split, mixed as `MIX` says."""
    from banglahate_gui.data.corpus import build_corpus

    frame = build_corpus(data_dir).subset("train")
    fits = frame[frame["text"].map(lambda t: 6 <= len(t.split()) <= 14 and len(t) <= 110)]
    bengali = fits["text"].map(lambda t: any("\u0980" <= ch <= "\u09ff" for ch in t))
    latin = fits["text"].map(lambda t: sum(ch.isascii() and ch.isalpha() for ch in t) >= 0.6 * len(t.replace(" ", "")))
    memes = sorted(set(fits.loc[fits["source"].isin(MEME_SOURCES) & bengali, "text"]))
    others = sorted(set(fits.loc[~fits["source"].isin(MEME_SOURCES) & bengali, "text"]))
    banglish = sorted(set(fits.loc[latin & ~bengali, "text"]))
    rng = random.Random(seed)
    n = len(memes)
    pool = memes + rng.sample(others, min(len(others), round(n * MIX["bengali"] / MIX["meme"])))
    pool += rng.sample(banglish, min(len(banglish), round(n * MIX["banglish"] / MIX["meme"])))
    if not pool:
        raise SystemExit(f"no train captions found under {data_dir}")
    return pool


def _reader(threads: int = 1):
    import torch

    from banglahate_gui.ocr import OcrReader

    torch.set_num_threads(threads)
    return OcrReader()


def render(caption: str, style: str, seed: int, photos: tuple[str, ...]):
    """(PIL image, drawn words) of `caption` (a normalized corpus text) as a seeded meme of `style`."""
    from PIL import Image

    from banglahate_gui.train.ocr_calibration import make_meme

    drawn = drawable(caption, random.Random(seed))
    pixels, words, _caption = make_meme([drawn], style, seed, photos)
    return Image.fromarray(pixels), words


def build(data_dir: Path, lines: int, seed: int, photos: tuple[str, ...], command: str, reader=None,
          cache: Path | None = None, log=print) -> dict:
    """Measure the noise on `lines` seeded memes (styles in turn); the JSON-ready result. Read memes are
    kept in `cache` (JSONL, never committed: it holds corpus text), so a rerun or a longer run resumes."""
    from banglahate_gui.data.synth_memes import MEME_STYLES
    from banglahate_gui.ocr.config import OCR_PIPELINE
    from banglahate_gui.text.normalize import NORMALIZER_VERSION

    start = time.perf_counter()
    captions = train_captions(data_dir, seed)
    counts = NoiseCounts()
    pick = random.Random(seed)
    styles = Counter()
    cached = {}
    if cache is not None and cache.is_file():
        for line in cache.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                cached[(row["seed"], row["style"], row["caption_sha1"])] = row
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by an interrupted run
    handle = cache.open("a", encoding="utf-8") if cache is not None else None
    try:
        for i in range(lines):
            style = MEME_STYLES[i % len(MEME_STYLES)]
            caption, meme_seed = pick.choice(captions), seed * 1000 + i
            key = (meme_seed, style, hashlib.sha1(caption.encode()).hexdigest())
            record = cached.get(key)
            if record is None:
                image, words = render(caption, style, meme_seed, photos)
                reader = reader or _reader()
                record = meme_record(reader.read(image), words)
                if handle is not None:
                    handle.write(json.dumps({"seed": key[0], "style": style, "caption_sha1": key[2], **record},
                                            ensure_ascii=False) + "\n")
                    handle.flush()
            _absorb(counts, record)
            styles[style] += 1
            if (i + 1) % 10 == 0 or i + 1 == lines:
                log(f"{i + 1}/{lines} memes, {counts.lines} lines, CER so far "
                    f"{counts.edits / max(1, sum(counts.chars.values())):.3f}, {time.perf_counter() - start:.0f}s")
    finally:
        if handle is not None:
            handle.close()
    reader = reader or _reader()
    return {
        "version": VERSION,
        "source_command": command,
        "seed": seed,
        "memes": lines,
        "styles": dict(sorted(styles.items())),
        "caption_mix": MIX,
        "photos": len(photos),
        "ocr_pipeline": OCR_PIPELINE,
        "recognizer": reader.easyocr.recognizer(),
        "normalizer_version": NORMALIZER_VERSION,
        "seconds": round(time.perf_counter() - start, 1),
        "note": "rates per truth character (merge: per space; split: per in-word gap; drop_word: per caption "
                "word); tables: truth char -> read char, insertions keyed by the class of the char before",
        **counts.to_dict(),
    }


def read_captions(data_dir: Path, out: Path, photos: tuple[str, ...], limit: int | None = None, reader=None,
                  log=print) -> int:
    """OCR a seeded meme rendering of every TEST-split meme caption (source karim_memes) into `out` (JSONL,
    one row per caption, resumable); returns the number of rows written now."""
    from banglahate_gui.data.corpus import build_corpus, row_ids
    from banglahate_gui.data.synth_memes import MEME_STYLES

    frame = build_corpus(data_dir).subset("test")
    frame = frame[frame["source"] == "karim_memes"]
    done = set()
    if out.is_file():
        for line in out.read_text(encoding="utf-8").splitlines():
            try:
                done.add(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by an interrupted run
    todo = [(i, t) for i, t in zip(row_ids(frame), frame["text"]) if i not in done][:limit]
    log(f"{len(frame)} test meme captions, {len(done)} already read, {len(todo)} to read")
    reader = reader or _reader()
    with out.open("a", encoding="utf-8") as handle:
        for n, (row_id, text) in enumerate(todo, 1):
            seed = int(row_id[:8], 16)
            style = MEME_STYLES[seed % len(MEME_STYLES)]
            start = time.perf_counter()
            image, _words = render(text, style, seed, photos)
            result = reader.read(image)
            row = {"id": row_id, "text": text, "ocr_text": result.text, "ocr_caption": result.caption_text,
                   "classified_text": result.classified_text(TEXT_SCOPE), "style": style, "seed": seed,
                   "seconds": round(time.perf_counter() - start, 2)}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            if n % 10 == 0 or n == len(todo):
                log(f"{n}/{len(todo)} read ({row['seconds']}s last)")
    return len(todo)


def main(argv: list[str] | None = None) -> None:
    from banglahate_gui.data.synth_memes import photo_backgrounds
    from banglahate_gui.defaults import default_data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="measure the OCR noise and write it as JSON")
    make.add_argument("--out", type=Path, default=DEFAULT_PATH)
    make.add_argument("--lines", type=int, default=LINES, help="memes to render and read (one caption each)")
    make.add_argument("--seed", type=int, default=SEED)
    make.add_argument("--cache", type=Path, default=None,
                      help="JSONL of read memes to resume from (holds corpus text: keep it out of git)")
    captions = commands.add_parser("read-captions", help="OCR renderings of the test-split meme captions (JSONL)")
    captions.add_argument("--out", type=Path, required=True)
    captions.add_argument("--limit", type=int, default=None)
    captions.add_argument("--threads", type=int, default=1, help="torch threads for the OCR (2 on a quiet machine)")
    for sub in (make, captions):
        sub.add_argument("--data-dir", type=Path, default=default_data_dir())
        sub.add_argument("--photos", type=Path, default=PHOTOS, help="photo folder (apt install gnome-backgrounds)")
    args = parser.parse_args(argv)
    photos = photo_backgrounds(args.photos)
    if args.command == "read-captions":
        read_captions(args.data_dir, args.out, photos, args.limit, reader=_reader(args.threads),
                      log=lambda m: print(m, flush=True))
        return
    if args.lines < 1:
        raise SystemExit("--lines must be >= 1")
    command = f"python -m banglahate_gui.train.ocr_noise build --lines {args.lines} --seed {args.seed}"
    data = build(args.data_dir, args.lines, args.seed, photos, command, cache=args.cache,
                 log=lambda m: print(m, flush=True))
    OcrNoise(data)  # the file must load
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(data["rates"], indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
