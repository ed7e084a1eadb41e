"""MultiTaskEncoder: a `transformers` encoder with one linear head per task on the [CLS] vector."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig

from banglahate_gui.model.schema import TASKS, Task

HEADS_FILE = "heads.safetensors"
ENCODER_FILES = ("config.json", "model.safetensors", HEADS_FILE, "tokenizer.json")


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
