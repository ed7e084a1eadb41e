"""MODEL_CARD.md of a bundle, regenerated from its manifest and an evaluation report (`banglahate evaluate --card`).

The numbers come from the bundle's provenance and the report; the data, licence, use and limits sections
are the fixed text below (the app's About dialog reads the data table and the licence summary).
"""

from __future__ import annotations

from pathlib import Path

from banglahate_gui.model.bundle import BundleManifest

CARD_FILE = "MODEL_CARD.md"

_DATA = """## Data

Trained on the corpus built by `banglahate data` from eleven public Bangla hate-speech / abusive-language
sources in `../shared/data` ({rows:,} rows after normalization and de-duplication; split 75/10/15,
stratified on source and binary label, seed 42; the test split's ids are frozen in
`banglahate_gui/data/test_split_ids.txt`). Labels a source does not provide are masked, never guessed.
No stage sees the test split or an official test file: the encoders and the lexical member are trained on
the train split, the fusion weights, temperatures and decision offsets are fitted on the validation split,
masked-LM pre-training reads only train + validation text, and every text of an official test file (BD-SHS,
VITD and TB-OLID test) outside the test split sits in a `heldout` split that only the evaluation reads.

The two moderation heads beyond the paper's four tasks: **violence** (non_violence / passive / direct) is
labelled by BLP-2023 Vio-Lens only; **toxicity** (vulgar, hate, religious, threat, troll, insult; independent
yes/no per label) by the multi-labelled toxic comments (all six) and Bangla abusive comments (obscene → vulgar,
threat, insult). Where the same text is kept from a higher-priority source, its violence/toxicity labels are
taken over from the dropped copy.

| source | rows | script | licence (as stated by the source) |
|---|---:|---|---|
| BLP-2025 Task 1 (BanglaMultiHate) | 2,112 | Bengali | CC BY-NC-SA 4.0 |
| BD-SHS (val + test files) | 10,055 | Bengali | MIT |
| BLP-2023 Vio-Lens | 6,041 | Bengali | not stated |
| TB-OLID | 4,999 | romanized | AGPL-3.0 |
| BanglaHateBERT | 16,843 | Bengali | not stated |
| Karim et al. v1 / v2 | 17 / 89 | Bengali | MIT; README: research use only |
| Karim et al. memes (text) | 3,449 | Bengali | not stated |
| Multi-labelled Bengali toxic comments | 10,742 | Bengali | not stated |
| Bangla abusive comments | 6,232 | Bengali | not stated |
| Banglish hate speech | 4,992 | romanized | not stated |

### What the licences mean for you

- **CC BY-NC-SA 4.0 (BLP-2025)**: a model trained on it is reasonably treated as an adaptation. You
  may use and share it **for non-commercial purposes only**, with attribution, and anything you
  distribute that is derived from it must carry the same licence. Commercial use or distribution of
  this model needs the data owners' permission — or retrain without that source.
- **AGPL-3.0 (TB-OLID)** is a copyleft software licence; whether it binds model weights trained on the
  data is unsettled. Treat redistribution as requiring the same openness, or retrain without it.
- Several sources state no licence and one asks for research use only. Together: **use this model for
  research and non-commercial moderation work**; for anything else, retrain on data you have rights to
  (`banglahate train --data-dir YOUR_DATA`, with an adapter per source in `banglahate_gui/data/`).
"""

_USE_AND_LIMITS = """## Intended use

A second pair of eyes for people who moderate Bangla content by hand: it ranks and explains, the
moderator decides. It is not meant to remove content without human review, to profile people, or
to make decisions about individuals.

## Limits

- Small encoders trained from scratch on about 50,000 labelled rows: far weaker than the reference
  system's pretrained XLM-R and MuRIL, especially on rare classes (severity `low` has ~200 rows in the
  whole corpus). Scores are on our own test split, not the reference paper's test set.
- The labels come from different annotation guidelines mapped onto one schema; "hate" here spans
  abuse, profanity, slander and violence-inciting text, as each source defined them.
- Romanized Bangla is covered by two sources only; code-mixed and very short texts are harder.
- Violence is learnt from about 3,000 BLP-2023 training rows (YouTube comments on communal and political
  conflict); toxicity from two toxic-comment sets whose "hate" flag is not the binary task's hate. Both heads
  apply to every text (they are not conditional on hate).
- Texts with nothing to judge (emoji only, digits, stop words such as a lone "ok") get the label
  `insufficient_text` and no probabilities (`banglahate_gui/text/stopwords.txt`).
- Text from OCR inherits OCR errors; the app shows the OCR text so it can be corrected.
- The auxiliary tasks (type, target, severity) are conditional on hate: their `none`/`not_hate`
  probability equals P(not hate) before temperature scaling.
"""


def render_model_card(manifest: BundleManifest, report_markdown: str, throughput: str = "") -> str:
    """The card's Markdown for `manifest` with the `banglahate evaluate` report."""
    prov = manifest.provenance
    encoders = prov.get("encoders", {})
    trained = encoders.get("trained_with", {})
    origin = (f"reused unchanged from `{encoders['reused_from']}` (trained by the {trained.get('preset', '?')} "
              f"preset from scratch: tokenizers, masked-LM pre-training, multi-task fine-tuning; "
              f"{trained.get('seconds', 0) / 60:.0f} minutes)" if "reused_from" in encoders else
              _trained_here(encoders))
    fusion_lines = "\n".join(
        f"| {t.name} | " + " | ".join(f"{manifest.fusion[t.name][m]:.2f}" for m in manifest.members)
        + f" | {manifest.temperature(t.name):.3f} | "
        + ", ".join(f"{lab} {o:+.1f}" for lab, o in zip(t.labels, manifest.offsets.get(t.name, []))
                    if o) + " |" for t in manifest.tasks)
    lines = [
        f"# {manifest.name} — model card", "",
        "The default classifier of BanglaHate Moderator: two small encoders trained **from scratch on this "
        "project's machines** (no pretrained checkpoint could be downloaded) and a character/word n-gram "
        "lexical member, fused late per task, temperature-scaled, with decision offsets tuned on validation.", "",
        "- **Members**: an XLM-RoBERTa-architecture encoder (Unigram tokenizer) and a BERT/MuRIL-architecture "
        "encoder (WordPiece tokenizer), each 2 layers, hidden 256, 4 heads, max length "
        f"{manifest.max_length} tokens, {origin}; and a lexical member: TF-IDF over char_wb 2–5-grams and word "
        "1–2-grams (each L2-normalized) with one logistic regression per task, stored as JSON vocabulary + "
        "safetensors weights (no pickle). Meme-caption rows count twice in its training.",
        "- **Tasks** (`bundle.json` lists the schema): " + "; ".join(
            f"{t.name} ({', '.join(t.labels)}" + (f"; applies when {t.condition}" if t.condition else "") + ")"
            for t in manifest.tasks) + ".",
        "- **Fusion, per task**: `P = softmax(log(Σ w·P_member) / T)`, label = argmax(log P + offset). Weights "
        "searched on a 0.05 simplex grid for validation weighted F1 (with a 25 % share for the meme-caption "
        "slice), T fitted by validation NLL, offsets by coordinate ascent on validation weighted + macro F1. "
        "A multi-label (sigmoid) task fuses each label's probability the same way, scales its log-odds by T "
        "and says yes to a label when log p + offset ≥ log 0.5 (a per-label threshold 0.5·e^−offset, tuned for "
        "that label's validation F1); weights there maximise validation macro F1:", "",
        "| task | " + " | ".join(f"w {m}" for m in manifest.members) + " | temperature | decision offsets |",
        "|---" + "|---:" * (len(manifest.members) + 1) + "|---|", fusion_lines, "",
        f"- **Command**: `{prov.get('command', 'banglahate train')}` (seed {prov.get('seed')}, commit "
        f"{prov.get('commit') or 'uncommitted'}): {prov.get('seconds', 0) / 60:.1f} minutes on this 2-core CPU "
        f"(lexical member {prov.get('lexical_seconds', 0):.0f} s), shared with other jobs.",
        "- **Files**: fp16 safetensors + JSON; loading checks every field and tensor (`BundleError` otherwise).",
        "", "## Evaluation", "",
        "`banglahate evaluate` on the held-out test split of our corpus. Weighted F1 (wF1) and macro F1; the "
        "auxiliary tasks are scored on rows whose label is known (non-hate rows count as `not_hate`/`none`). "
        "Every row other than the fused bundle is refitted on validation with the same recipe (weights, "
        "temperature, offsets).", "",
        report_markdown.strip(), "",
    ]
    if throughput:
        lines += [throughput.strip(), ""]
    return "\n".join(lines) + "\n" + _DATA.format(rows=prov.get("data", {}).get("corpus_rows", 0)) + "\n" + \
        _USE_AND_LIMITS


def _trained_here(encoders: dict) -> str:
    """How the encoders of this run were trained, from the bundle's provenance."""
    parts = []
    for name in ("xlmr", "muril"):
        e = encoders.get(name, {})
        curve = e.get("mlm_heldout_loss") or []
        loss = f", held-out MLM loss {curve[0][1]:.2f} → {curve[-1][1]:.2f}" if curve else ""
        parts.append(f"{name}: {e.get('mlm_epochs', 0):g} epochs of {e.get('mlm_masking', '')} masked-LM pre-training "
                     f"on {e.get('mlm_texts', 0):,} texts{loss}, then fine-tuning epoch {e.get('best_epoch', -1) + 1} "
                     f"of {e.get('epochs_run', 0)} kept, {e.get('seconds', 0) / 60:.0f} min")
    noise = encoders.get("ocr_noise") or {}
    share = f"; fine-tuning reads {noise['share_per_epoch']:.0%} of the rows per epoch through the measured OCR " \
            f"noise model `{noise['model']}`" if noise else ""
    return "trained in this run from scratch (" + "; ".join(parts) + share + ")"


def write_model_card(bundle_dir: Path, manifest: BundleManifest, report_markdown: str, throughput: str = "") -> Path:
    path = Path(bundle_dir) / CARD_FILE
    path.write_text(render_model_card(manifest, report_markdown, throughput), encoding="utf-8")
    return path
