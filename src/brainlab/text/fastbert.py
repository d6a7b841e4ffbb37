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


# Attention in training on a CPU: Hugging Face's "eager" (matrix products, softmax,
# dropout). SDPA's CPU kernels take no attention dropout, so in training SDPA falls back
# to a composite path that is slower and holds more in memory. A contrastive step of 32
# texts under bf16 autocast on 2 cores, SDPA then eager: BBC articles read whole (windows
# of 256) 10.0-13.4 s against 7.7-9.1 s, peak memory 6.0 against 4.6 GB; their first 128
# tokens 1.55-1.69 s against 1.42-1.45 s; tweets 0.52-0.56 s against 0.47-0.50 s;
# multilingual-e5-small on Chinese reviews 2.44-2.53 s against 2.02-2.09 s. The same
# accuracy to the fourth decimal (bench/training_attention.py, bench/variants.py;
# docs/results/benches/fewshot.md). On a GPU SDPA's kernels take dropout.
TRAINING_ATTENTION = "eager"
PACK_BELOW = 0.85   # pack a batch whose real tokens fill less than this of its grid
ATTENTION_GROUPS = 4   # at most, of 4 texts or more each, in a packed batch


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

    def forward(self, hidden, mask, groups=None):
        """hidden: (batch, length, width) with `mask` (batch, 1, 1, length); or, packed,
        the (tokens, width) states of the real tokens only, with `groups` saying which
        texts attend together (see AttentionGroup)."""
        qkv = self.qkv(hidden)
        if groups is None:
            context = self.attend(qkv, mask)
        else:   # attention needs a grid: scatter each group in, compute, gather out
            context = torch.cat([self.attend(group.scatter(qkv), group.mask).flatten(0, 1)
                                 .index_select(0, group.slots) for group in groups])
        hidden = self.attention_norm(self.attention_out(context) + hidden)
        return self.output_norm(self.output(F.gelu(self.intermediate(hidden))) + hidden)

    def attend(self, qkv, mask):
        """softmax(q k^T / sqrt(d) + mask) v over every head; qkv: (batch, length, 3 width)
        -> (batch, length, width)."""
        batch, length = mask.shape[0], mask.shape[-1]
        width = qkv.shape[-1] // 3
        head_width = width // self.heads
        q, k, v = qkv.view(batch, length, 3, self.heads, head_width).permute(2, 0, 3, 1, 4)
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                 scale=1.0 / math.sqrt(head_width))
        return context.transpose(1, 2).reshape(batch, length, width)


class AttentionGroup:
    """Texts of similar length that attend on one grid of their own, in a packed batch.

    The packed states hold the texts longest first, so a group's tokens are one slice of
    them; `slots` are those tokens' places in the group's (texts, longest) grid. Giving
    each group its own grid, not the batch's, cuts the padding attention computes: on
    16 movie sentences in arrival order, four groups took 0.83 ms a layer against 1.29 ms
    for one grid (bf16 MiniLM, 2 cores)."""

    def __init__(self, start, lengths, mask):
        self.start, self.end = start, start + int(lengths.sum())
        self.width = int(lengths[0])
        self.mask = mask[..., :self.width]   # (texts, 1, 1, longest)
        self.slots = torch.cat([row * self.width + torch.arange(int(n), device=mask.device)
                                for row, n in enumerate(lengths.tolist())])

    def scatter(self, states):
        grid = states.new_zeros(self.mask.shape[0] * self.width, states.shape[-1])
        grid.index_copy_(0, self.slots, states[self.start:self.end])
        return grid.view(self.mask.shape[0], self.width, -1)


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
        self.attention_groups = ATTENTION_GROUPS   # 1: one grid for the batch (the same)
        self.eval()

    def forward(self, input_ids, attention_mask):
        length = input_ids.shape[1]
        mask = attention_mask[:, None, None, :].bool()
        if self.packed and int(attention_mask.sum()) < PACK_BELOW * attention_mask.numel():
            return self._packed(input_ids, attention_mask)
        hidden = self.word(input_ids) + self.position.weight[:length] + self.token_type.weight[0]
        hidden = self.norm(hidden)
        for layer in self.layers:
            hidden = layer(hidden, mask)
        return hidden

    def _packed(self, input_ids, attention_mask):
        """The forward on the real tokens; each row of `attention_mask` is 1s then 0s (the
        right padding pad_batch makes)."""
        batch, length = input_ids.shape
        lengths = attention_mask.sum(dim=1)
        order = torch.argsort(lengths, descending=True, stable=True)
        lengths = lengths[order]
        rows = torch.cat([text * length + torch.arange(int(n), device=input_ids.device)
                          for text, n in zip(order.tolist(), lengths.tolist())])  # longest 1st
        sorted_mask = attention_mask[order][:, None, None, :].bool()
        attention_groups, start = [], 0
        count = min(self.attention_groups, max(1, batch // 4))
        for members in torch.arange(batch).tensor_split(count):
            group = AttentionGroup(start, lengths[members], sorted_mask[members])
            attention_groups.append(group)
            start = group.end
        hidden = (self.word(input_ids.reshape(-1).index_select(0, rows))
                  + self.position.weight.index_select(0, rows % length)
                  + self.token_type.weight[0])
        hidden = self.norm(hidden)
        for layer in self.layers:
            hidden = layer(hidden, None, attention_groups)
        return hidden.new_zeros(batch * length, hidden.shape[-1]).index_copy_(
            0, rows, hidden).view(batch, length, -1)


def set_attention(model, implementation):
    """Switch a Hugging Face model's attention ("eager", "sdpa", ...) where the installed
    transformers can; the weights and the math stay the same."""
    if model.config._attn_implementation != implementation and \
            hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation(implementation)


class HuggingFaceForward(torch.nn.Module):
    """Any Hugging Face encoder behind the same (input_ids, attention_mask) call.

    Only the token states come back, so a BERT pooler's output is never read: its weights
    are marked as needing no gradient, which DistributedDataParallel would otherwise wait
    for (and `find_unused_parameters` would cost a pass to find). In training on a CPU
    its attention is TRAINING_ATTENTION."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.attention = model.config._attn_implementation   # as loaded: SDPA by default
        pooler = getattr(model, "pooler", None)
        if pooler is not None:
            pooler.requires_grad_(False)

    def train(self, mode=True):
        """Dropout on (mode) or off; with it on a CPU, attention runs as TRAINING_ATTENTION,
        with it off as loaded."""
        super().train(mode)
        on_cpu = next(self.model.parameters()).device.type == "cpu"
        set_attention(self.model, TRAINING_ATTENTION if mode and on_cpu else self.attention)
        return self

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
