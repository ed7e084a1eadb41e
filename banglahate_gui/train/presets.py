"""Training presets: `base` (pretrained XLM-R + MuRIL on a GPU), `mini` (the embedded default, trained here
from scratch on a CPU) and `tiny` (tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from transformers import BertConfig, PretrainedConfig, XLMRobertaConfig


@dataclass(frozen=True)
class EncoderPreset:
    """One encoder: either a pretrained id/path, or a from-scratch architecture with its tokenizer size."""

    family: str  # "xlm-roberta" or "bert"
    pretrained: str | None = None
    vocab_size: int = 8000
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 1024
    max_positions: int = 130

    def build_config(self, tokenizer) -> PretrainedConfig:
        common = dict(
            vocab_size=len(tokenizer), hidden_size=self.hidden_size, num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads, intermediate_size=self.intermediate_size,
            pad_token_id=tokenizer.pad_token_id, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        )
        if self.family == "xlm-roberta":
            # RoBERTa positions start after the padding index, hence the +2.
            return XLMRobertaConfig(max_position_embeddings=self.max_positions + 2, type_vocab_size=1,
                                    bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, **common)
        return BertConfig(max_position_embeddings=self.max_positions, type_vocab_size=2, **common)


@dataclass(frozen=True)
class Preset:
    name: str
    xlmr: EncoderPreset
    muril: EncoderPreset
    lr: float = 2e-5
    mlm_lr: float = 5e-4
    mlm_epochs: float = 0.0
    epochs: int = 10
    batch_size: int = 32
    max_length: int = 128
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    grad_clip: float = 1.0
    patience: int = 3
    half_weights: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def from_scratch(self) -> bool:
        return self.xlmr.pretrained is None


PRESETS: dict[str, Preset] = {
    "base": Preset(
        "base",
        EncoderPreset("xlm-roberta", pretrained="xlm-roberta-base"),
        EncoderPreset("bert", pretrained="google/muril-base-cased"),
    ),
    "mini": Preset(
        "mini",
        EncoderPreset("xlm-roberta", vocab_size=12000, hidden_size=256, num_layers=2, num_heads=4, intermediate_size=512),
        EncoderPreset("bert", vocab_size=12000, hidden_size=256, num_layers=2, num_heads=4, intermediate_size=512),
        lr=5e-4, mlm_lr=1e-3, mlm_epochs=3.0, epochs=5, max_length=64, patience=2, half_weights=True,
    ),
    "tiny": Preset(
        "tiny",
        EncoderPreset("xlm-roberta", vocab_size=400, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64),
        EncoderPreset("bert", vocab_size=400, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64),
        lr=1e-3, mlm_epochs=1.0, epochs=1, max_length=64,
    ),
}
