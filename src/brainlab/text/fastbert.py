"""A lean inference forward for BERT encoders: the same weights and the same math as
Hugging Face's ``BertModel``, with the query, key and value projections fused into one
matrix product per layer and none of the training-time plumbing (dropout, caches,
output bookkeeping). Used for ``model_type == "bert"`` with absolute positions and exact
GELU; anything else runs through Hugging Face's own forward.
"""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F


PACK_BELOW = 0.85   # pack a batch whose real tokens fill less than this of its grid


def supports(model):
    config = model.config
    return (config.model_type == "bert" and config.hidden_act == "gelu"
            and getattr(config, "position_embedding_type", "absolute") == "absolute"
            and hasattr(model, "embeddings") and hasattr(model, "encoder"))


class FastBertLayer(torch.nn.Module):
    def __init__(self, layer, heads):
        super().__init__()
        attention = layer.attention
        q, k, v = attention.self.query, attention.self.key, attention.self.value
        self.qkv = torch.nn.Linear(q.in_features, 3 * q.out_features)
        with torch.no_grad():
            self.qkv.weight.copy_(torch.cat([q.weight, k.weight, v.weight]))
            self.qkv.bias.copy_(torch.cat([q.bias, k.bias, v.bias]))
        self.attention_out = attention.output.dense
        self.attention_norm = attention.output.LayerNorm
        self.intermediate = layer.intermediate.dense
        self.output = layer.output.dense
        self.output_norm = layer.output.LayerNorm
        self.heads = heads

    def forward(self, hidden, mask, rows=None):
        """hidden: (batch, length, width), or with `rows` the (tokens, width) states of the
        real tokens only, `rows` being their flat positions in the (batch, length) grid."""
        batch, length = mask.shape[0], mask.shape[-1]
        width = hidden.shape[-1]
        head_width = width // self.heads
        qkv = self.qkv(hidden)
        if rows is not None:   # attention needs the grid: scatter in, compute, gather out
            qkv = qkv.new_zeros(batch * length, 3 * width).index_copy_(0, rows, qkv)
        q, k, v = qkv.view(batch, length, 3, self.heads, head_width).permute(2, 0, 3, 1, 4)
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                 scale=1.0 / math.sqrt(head_width))
        context = context.transpose(1, 2).reshape(batch, length, width)
        if rows is not None:
            context = context.view(batch * length, width).index_select(0, rows)
        hidden = self.attention_norm(self.attention_out(context) + hidden)
        return self.output_norm(self.output(F.gelu(self.intermediate(hidden))) + hidden)


class FastBert(torch.nn.Module):
    """last_hidden_state of a BertModel, for input_ids and an attention mask of 0/1.

    A batch of texts of mixed lengths is packed: every Linear, GELU and LayerNorm runs on
    the real tokens only, and only attention sees the padded grid. A server's batch of 16
    one-sentence requests in arrival order is about half padding; packed, bf16 MiniLM
    classifies 1.4-1.5x more of them per second (2 cores; bench/packed_forward.py).
    Length-sorted batches, nearly free of padding, run as they are."""

    def __init__(self, model):
        super().__init__()
        self.config = model.config
        embeddings = model.embeddings
        self.word, self.position = embeddings.word_embeddings, embeddings.position_embeddings
        self.token_type = embeddings.token_type_embeddings
        self.norm = embeddings.LayerNorm
        self.layers = torch.nn.ModuleList(
            FastBertLayer(layer, model.config.num_attention_heads)
            for layer in model.encoder.layer)
        self.packed = True   # False: always the padded grid (for comparison)
        self.eval()

    def forward(self, input_ids, attention_mask):
        length = input_ids.shape[1]
        mask = attention_mask[:, None, None, :].bool()
        if self.packed and int(attention_mask.sum()) < PACK_BELOW * attention_mask.numel():
            return self._packed(input_ids, attention_mask, mask)
        hidden = self.word(input_ids) + self.position.weight[:length] + self.token_type.weight[0]
        hidden = self.norm(hidden)
        for layer in self.layers:
            hidden = layer(hidden, mask)
        return hidden

    def _packed(self, input_ids, attention_mask, mask):
        batch, length = input_ids.shape
        rows = attention_mask.reshape(-1).nonzero().squeeze(1)
        positions = rows % length
        hidden = (self.word(input_ids.reshape(-1).index_select(0, rows))
                  + self.position.weight.index_select(0, positions) + self.token_type.weight[0])
        hidden = self.norm(hidden)
        for layer in self.layers:
            hidden = layer(hidden, mask, rows)
        return hidden.new_zeros(batch * length, hidden.shape[-1]).index_copy_(
            0, rows, hidden).view(batch, length, -1)


class HuggingFaceForward(torch.nn.Module):
    """Any Hugging Face encoder behind the same (input_ids, attention_mask) call.

    Only the token states come back, so a BERT pooler's output is never read: its weights
    are marked as needing no gradient, which DistributedDataParallel would otherwise wait
    for (and `find_unused_parameters` would cost a pass to find)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        pooler = getattr(model, "pooler", None)
        if pooler is not None:
            pooler.requires_grad_(False)

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=torch.zeros_like(input_ids)).last_hidden_state


class BFloat16Forward(torch.nn.Module):
    """A bfloat16 copy of a forward; the fp32 model it came from is left untouched (for
    fine-tuning and saving), and the token states come back as fp32 for pooling."""

    def __init__(self, forward):
        super().__init__()
        import copy

        self.bf16 = copy.deepcopy(forward).to(torch.bfloat16)

    def forward(self, input_ids, attention_mask):
        return self.bf16(input_ids, attention_mask).float()
