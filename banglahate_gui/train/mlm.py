"""Masked-language-model pre-training of a from-scratch encoder on unlabelled corpus text, with whole-word
masking (every piece of a chosen word is masked together) and a held-out loss curve."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from transformers import get_linear_schedule_with_warmup

from banglahate_gui.train.batches import Encoded, iterate


class MaskedLmHead(nn.Module):
    """dense → GELU → LayerNorm → vocabulary projection tied to the input embeddings."""

    def __init__(self, embeddings: nn.Embedding, hidden_size: int):
        super().__init__()
        self.transform = nn.Sequential(nn.Linear(hidden_size, hidden_size), nn.GELU(), nn.LayerNorm(hidden_size))
        self.embeddings = embeddings
        self.bias = nn.Parameter(torch.zeros(embeddings.num_embeddings))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.transform(hidden) @ self.embeddings.weight.T + self.bias


def word_start_table(tokenizer) -> torch.Tensor:
    """Per vocabulary id: does this piece start a word? (WordPiece: not `##…`; SentencePiece/Unigram: `▁…`.)"""
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    wordpiece = any(p.startswith("##") for p in pieces)
    return torch.tensor([not p.startswith("##") if wordpiece else p.startswith("\u2581") for p in pieces])


def mask_tokens(input_ids: torch.Tensor, attention_mask: torch.Tensor, special_ids: torch.Tensor, mask_id: int,
                vocab_size: int, generator: torch.Generator, rate: float = 0.15,
                word_starts: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT masking: of `rate` of the real tokens, 80 % → mask, 10 % → random, 10 % kept. Returns (inputs, selected).

    With `word_starts` (`word_start_table`), whole words are chosen with probability `rate` and all their pieces
    are selected together (whole-word masking).
    """
    maskable = attention_mask.bool() & ~torch.isin(input_ids, special_ids)
    draw = torch.rand(input_ids.shape, generator=generator) < rate
    if word_starts is None:
        selected = draw & maskable
    else:
        starts = word_starts[input_ids] | ~maskable
        word = starts.long().cumsum(dim=1)  # word index of every position
        chosen = torch.zeros(input_ids.shape[0], input_ids.shape[1] + 1, dtype=torch.long)
        chosen.scatter_reduce_(1, word, (draw & starts & maskable).long(), reduce="amax")
        selected = chosen.gather(1, word).bool() & maskable
    roll = torch.rand(input_ids.shape, generator=generator)
    inputs = input_ids.clone()
    inputs[selected & (roll < 0.8)] = mask_id
    random_pos = selected & (roll >= 0.8) & (roll < 0.9)
    inputs[random_pos] = torch.randint(vocab_size, input_ids.shape, generator=generator)[random_pos]
    return inputs, selected


@torch.inference_mode()
def heldout_loss(encoder: nn.Module, head: MaskedLmHead, tokenizer, data: Encoded, word_starts: torch.Tensor,
                 batch_size: int, seed: int, device: torch.device) -> float:
    """Masked-LM loss on held-out texts, with the same (seeded) masks at every call, so points are comparable."""
    encoder.eval()
    generator = torch.Generator().manual_seed(seed)
    special = torch.tensor(tokenizer.all_special_ids)
    total, count = 0.0, 0
    for input_ids, mask, _ in iterate(data, batch_size, tokenizer.pad_token_id):
        inputs, selected = mask_tokens(input_ids, mask, special, tokenizer.mask_token_id, len(tokenizer), generator,
                                       word_starts=word_starts)
        if not selected.any():
            continue
        hidden = encoder(input_ids=inputs.to(device), attention_mask=mask.to(device)).last_hidden_state
        logits = head(hidden[selected.to(device)])
        total += nn.functional.cross_entropy(logits, input_ids[selected].to(device), reduction="sum").item()
        count += int(selected.sum())
    encoder.train()
    return total / max(count, 1)


def pretrain_mlm(encoder: nn.Module, tokenizer, data: Encoded, epochs: float, lr: float, batch_size: int,
                 seed: int, device: torch.device, log: Callable[[str], None] = print,
                 heldout: Encoded | None = None) -> dict[str, list[float]]:
    """Train `encoder` in place with a whole-word masked-LM objective.

    Returns {"train": loss per logging interval, "heldout": [(step, loss), …] measured on `heldout` twice an
    epoch}.
    """
    config = encoder.config
    head = MaskedLmHead(encoder.get_input_embeddings(), config.hidden_size).to(device)
    encoder.to(device).train()
    params = list(encoder.parameters()) + [p for n, p in head.named_parameters() if not n.startswith("embeddings")]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps_per_epoch = (len(data) + batch_size - 1) // batch_size
    total = max(1, int(steps_per_epoch * epochs))
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.06 * total), total)
    special = torch.tensor(tokenizer.all_special_ids)
    word_starts = word_start_table(tokenizer)
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    losses, running, step, curve = [], [], 0, []
    check_every = max(1, steps_per_epoch // 2)
    while step < total:
        for input_ids, mask, _ in iterate(data, batch_size, tokenizer.pad_token_id, rng):
            inputs, selected = mask_tokens(input_ids, mask, special, tokenizer.mask_token_id, len(tokenizer), generator,
                                           word_starts=word_starts)
            if not selected.any():
                continue
            hidden = encoder(input_ids=inputs.to(device), attention_mask=mask.to(device)).last_hidden_state
            logits = head(hidden[selected.to(device)])  # only masked positions: far cheaper than the full vocab grid
            loss = nn.functional.cross_entropy(logits, input_ids[selected].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            running.append(loss.item())
            step += 1
            if step % 200 == 0 or step == total:
                losses.append(float(np.mean(running)))
                log(f"  mlm step {step}/{total} loss {losses[-1]:.3f}")
                running = []
            if heldout is not None and (step % check_every == 0 or step == total):
                curve.append([step, round(heldout_loss(encoder, head, tokenizer, heldout, word_starts, 128, seed,
                                                       device), 4)])
                log(f"  mlm step {step}/{total} held-out loss {curve[-1][1]:.3f}")
            if step >= total:
                break
    return {"train": losses, "heldout": curve}
