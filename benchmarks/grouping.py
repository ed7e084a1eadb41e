"""Near-duplicate grouping benchmark: pair precision/recall on rendered near-copies, and scale.

Part 1 (--memes N): N seeded memes (captions from the corpora, as in benchmarks/ocr), each with three
near-copies (JPEG q30, a crop of 5-10 % per side, a resize to 50-80 %) and one decoy: the same
template (background, font, style, seed) with another caption. A true pair = two images with the
same caption (memes drawn with one caption on two templates count as one meme too). Every image is OCR'd with the default
gate and hashed; `group_ids` runs on the OCR text + pHash. Decoys must never join their template's group.
Part 2 (--scale N): N synthetic items (captions with character noise, random hashes) timed through
`group_ids`, with the number of candidate pairs compared, to show it stays far below N^2/2.

    nice -n 10 python benchmarks/grouping.py --memes 20 --scale 10000
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import random
import time
from itertools import combinations
from pathlib import Path

from PIL import Image

from banglahate_gui.data.synth_memes import generate_memes, gold_text, has_bengali, render_meme
from banglahate_gui.grouping import GroupItem, candidate_pairs, caption_key, group_ids, image_hash

VARIANTS = ("original", "jpeg_q30", "crop", "resize")


def near_copy(image: Image.Image, variant: str, rng: random.Random) -> Image.Image:
    """One seeded near-copy of `image`."""
    if variant == "original":
        return image
    if variant == "jpeg_q30":
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=30)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    w, h = image.size
    if variant == "crop":
        dx, dy = int(w * rng.uniform(0.0, 0.05)), int(h * rng.uniform(0.0, 0.05))
        return image.crop((dx, dy, w - int(w * rng.uniform(0.0, 0.05)), h - int(h * rng.uniform(0.0, 0.05))))
    if variant == "resize":
        scale = rng.uniform(0.5, 0.8)
        return image.resize((int(w * scale), int(h * scale)), Image.Resampling.LANCZOS)
    raise ValueError(variant)


def near_copy_set(captions: list[str], n: int, seed: int = 0) -> list[tuple[Image.Image, int, str, str]]:
    """(image, meme id, kind, drawn text) for n memes x VARIANTS, plus one decoy per meme (meme id
    -1 - i, kind "decoy"): the same template with a different caption."""
    rng = random.Random(seed)
    out = []
    for i, meme in enumerate(generate_memes(captions, n, seed=seed, damage=False)):
        for variant in VARIANTS:
            out.append((near_copy(meme.image, variant, rng), i, variant, meme.text))
        others = [c for c in captions if has_bengali(c) == has_bengali(meme.text)
                  and " ".join(c.split()) != " ".join(meme.text.split())]
        other = rng.choice(others)
        decoy = render_meme(other, seed=meme.seed, font=meme.font, style=meme.style, background=meme.background)
        out.append((decoy, -1 - i, "decoy", gold_text(other)))
    return out


def pair_scores(truth: list, predicted: list) -> dict[str, float]:
    """Pair precision/recall of predicted groups against true groups (distinct truth ids)."""
    tp = fp = fn = 0
    for a, b in combinations(range(len(truth)), 2):
        same_true, same_pred = truth[a] == truth[b], predicted[a] == predicted[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "true_pairs": tp + fn, "predicted_pairs": tp + fp}


def run_memes(data_dir: Path, n: int, seed: int) -> dict:
    from banglahate_gui.ocr import OcrReader

    spec = importlib.util.spec_from_file_location("ocr_benchmark", Path(__file__).parent / "ocr" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pool = sorted(c for kind in module.load_captions(data_dir).values() for c in kind)
    samples = near_copy_set(pool, n, seed)
    reader = OcrReader()
    items, start = [], time.perf_counter()
    for image, _, _, _ in samples:
        items.append(GroupItem(reader.read(image).text, image_hash(image)))
    ocr_seconds = time.perf_counter() - start
    groups = group_ids(items)
    truth = [" ".join(text.split()) for _, _, _, text in samples]  # the same caption is the same meme
    scores = pair_scores(truth, groups)
    decoys_merged = sum(groups[k] == groups[k - 1] for k, (_, _, kind, _) in enumerate(samples) if kind == "decoy")
    return {"memes": n, "images": len(samples), "ocr_seconds": round(ocr_seconds, 1), **scores,
            "decoys_grouped_with_template": decoys_merged,
            "items": [{"text": i.text, "image_hash": i.image_hash, "caption": c, "kind": k}  # regroup without OCR
                      for i, (_, _, k, c) in zip(items, samples)]}


def run_scale(n: int, seed: int) -> dict:
    rng = random.Random(seed)
    alphabet = "অআইউএকখগঘচছজঝটঠডঢতথদধনপফবভমযরলশসহািীুূেোং"
    bases = ["".join(rng.choice(alphabet + " ") for _ in range(rng.randint(20, 80))) for _ in range(n // 4)]
    items = []
    for _ in range(n):
        text = list(rng.choice(bases))
        for _ in range(rng.randint(0, 2)):  # OCR-like noise
            text[rng.randrange(len(text))] = rng.choice(alphabet)
        items.append(GroupItem("".join(text), f"{rng.getrandbits(64):016x}"))
    start = time.perf_counter()
    groups = group_ids(items)
    seconds = time.perf_counter() - start
    keys = list(dict.fromkeys(k for k in map(caption_key, (i.text for i in items)) if k))
    candidates = len(candidate_pairs(keys, 0))
    return {"items": n, "seconds": round(seconds, 2), "groups": len(set(groups)),
            "candidate_pairs": candidates, "all_pairs": n * (n - 1) // 2}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--memes", type=int, default=20, help="rendered memes (x5 images); 0 skips part 1")
    parser.add_argument("--scale", type=int, default=10_000, help="synthetic items; 0 skips part 2")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = {}
    if args.scale:
        report["scale"] = run_scale(args.scale, args.seed)
        print(json.dumps(report["scale"]), flush=True)
    if args.memes:
        report["near_copies"] = run_memes(args.data_dir, args.memes, args.seed)
        print(json.dumps({k: v for k, v in report["near_copies"].items() if k != "items"}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
