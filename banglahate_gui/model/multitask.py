"""MultiTaskEncoder: a `transformers` encoder with one linear head per task on the [CLS] vector."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig

from banglahate_gui.errors import BundleError
from banglahate_gui.model.bundle import HEADS_FILE
from banglahate_gui.model.schema import TASKS, Task



class MultiTaskEncoder(nn.Module):
    """encoder → [CLS] → Dropout → Linear per task (the BanglaHateNet head layout)."""

    def __init__(self, encoder: nn.Module, tasks: tuple[Task, ...] = TASKS, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.tasks = tasks
        self.dropout = nn.Dropout(dropout)
        hidden = encoder.config.hidden_size
        # ModuleDict keys may not shadow nn.Module attributes (e.g. `type`), hence the suffix.
        self.heads = nn.ModuleDict({_head_key(t.name): nn.Linear(hidden, t.num_labels) for t in tasks})

    @classmethod
    def from_config(cls, config: PretrainedConfig, tasks: tuple[Task, ...] = TASKS) -> MultiTaskEncoder:
        """A randomly initialised encoder of the given architecture (e.g. a small config for the mini preset)."""
        return cls(AutoModel.from_config(config, add_pooling_layer=False), tasks)

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path, tasks: tuple[Task, ...] = TASKS) -> MultiTaskEncoder:
        """Encoder from a Hugging Face id or local folder; heads from `heads.safetensors` when the folder has one."""
        encoder = AutoModel.from_pretrained(str(name_or_path), add_pooling_layer=False, dtype=torch.float32)
        model = cls(encoder, tasks)
        heads = Path(name_or_path) / HEADS_FILE
        if heads.is_file():
            model.heads.load_state_dict({k: v.float() for k, v in load_file(str(heads)).items()})
        return model

    @classmethod
    def load_strict(cls, folder: Path, tasks: tuple[Task, ...], max_length: int) -> MultiTaskEncoder:
        """Load a bundle member: every tensor present with its shape and finite, no random initialisation.

        Raises `BundleError` naming the file and the tensor or config field that is wrong.
        """
        config_file = folder / "config.json"
        try:
            config = AutoConfig.from_pretrained(str(folder))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BundleError(f"{config_file}: not a valid encoder config ({exc})") from exc
        _check_config(config, config_file, max_length)
        try:
            encoder, info = AutoModel.from_pretrained(str(folder), config=config, add_pooling_layer=False,
                                                      dtype=torch.float32, output_loading_info=True)
        except (OSError, ValueError, RuntimeError, KeyError, SafetensorError) as exc:
            raise BundleError(f"{folder / 'model.safetensors'}: cannot load the encoder weights ({exc})") from exc
        problems = {k: info.get(k) for k in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")
                    if info.get(k)}
        if problems:
            detail = "; ".join(f"{k}: {', '.join(map(str, sorted(v, key=str)[:5]))}" for k, v in problems.items())
            raise BundleError(f"{folder / 'model.safetensors'}: tensors do not match config.json ({detail})")
        model = cls(encoder, tasks)
        heads_file = folder / HEADS_FILE
        try:
            heads = load_file(str(heads_file))
        except (OSError, SafetensorError, ValueError) as exc:
            raise BundleError(f"{heads_file}: cannot read the task heads ({exc})") from exc
        expected = model.heads.state_dict()
        for key, value in expected.items():
            if key not in heads:
                raise BundleError(f"{heads_file}: tensor {key!r} is missing")
            if tuple(heads[key].shape) != tuple(value.shape):
                raise BundleError(f"{heads_file}: tensor {key!r} has shape {tuple(heads[key].shape)}, "
                                  f"expected {tuple(value.shape)}")
        extra = sorted(set(heads) - set(expected))
        if extra:
            raise BundleError(f"{heads_file}: unexpected tensors {extra}")
        model.heads.load_state_dict({k: v.float() for k, v in heads.items()}, strict=True)
        for key, value in model.state_dict().items():
            if value.is_floating_point() and not torch.isfinite(value).all():
                raise BundleError(f"{folder}: tensor {key!r} has NaN or infinite values")
        return model

    def save_pretrained(self, out_dir: str | Path, half: bool = False) -> None:
        """Write `config.json`, `model.safetensors` and `heads.safetensors` (fp16 when `half`)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        state = {k: (v.half() if half and v.is_floating_point() else v) for k, v in self.encoder.state_dict().items()}
        self.encoder.save_pretrained(str(out), state_dict=state)
        heads = {k: (v.half() if half else v).contiguous() for k, v in self.heads.state_dict().items()}
        save_file(heads, str(out / HEADS_FILE))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **_: object) -> dict[str, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        cls_vector = self.dropout(hidden[:, 0])
        return {t.name: self.heads[_head_key(t.name)](cls_vector) for t in self.tasks}


def _head_key(task_name: str) -> str:
    return f"{task_name}_head"


def family_of(path_or_id: str | Path) -> str:
    """The transformers model type (e.g. `xlm-roberta`, `bert`) of a folder or hub id."""
    return AutoConfig.from_pretrained(str(path_or_id)).model_type


def _check_config(config: PretrainedConfig, where: Path, max_length: int) -> None:
    """Config values a loaded encoder can run with (each a `BundleError` naming the field)."""
    def positive(name: str, upper: int) -> int:
        value = getattr(config, name, None)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
            raise BundleError(f"{where}: {name}: {value!r} is not an integer in 1..{upper}")
        return value

    for name, upper in (("num_hidden_layers", 48), ("num_attention_heads", 64), ("hidden_size", 8192),
                        ("intermediate_size", 65536), ("vocab_size", 1_000_000)):
        positive(name, upper)
    if config.hidden_size % config.num_attention_heads:
        raise BundleError(f"{where}: hidden_size {config.hidden_size} is not a multiple of num_attention_heads")
    positions = positive("max_position_embeddings", 8192)
    pad = config.pad_token_id
    if config.model_type == "xlm-roberta" and (isinstance(pad, bool) or not isinstance(pad, int) or pad < 0):
        raise BundleError(f"{where}: pad_token_id: {pad!r} is not an integer >= 0")
    usable = positions - (pad + 1 if config.model_type == "xlm-roberta" else 0)
    if max_length > usable:
        raise BundleError(f"{where}: max_position_embeddings: {positions} positions leave {usable} tokens, "
                          f"fewer than the bundle's max_length {max_length}")
