"""contrastive: the encoder is first adapted to the labels by contrastive steps over the
labelled texts (text/contrastive.py), then the features head is fitted on the adapted
vectors. Nothing is held out: the number of steps is set by the number of texts. The
class names' sentences (text/label_texts.py), when used, are labelled texts of the
contrastive steps too: at 8 labels per class (5 seeds) they lifted contrastive from
0.521 to 0.565 on tweets and from 0.652 to 0.716 on movie sentences; in the head alone
(an earlier measurement) they gave 0.532 and 0.663."""
from __future__ import annotations

import numpy as np

from .features import FeaturesStrategy


def adapt_encoder(strategy, texts, y, objective="supcon", windows=None, careful=False):
    """Contrastive steps over (texts, y) and the class names' sentences, in place on
    `strategy.encoder` (a FeaturesStrategy's); records its facts in `strategy.info`. The
    steps see up to `windows` windows of a long text (None: TrainingArguments'
    contrastive_windows, else as many as the encoder reads); `careful`: the step of a
    strategy that must not fall below the frozen features
    (TrainingArguments.contrastive_rate)."""
    from ..contrastive import ContrastiveTuner, contrastive_steps
    from ..distributed import training_device

    args, encoder = strategy.args, strategy.encoder
    steps = contrastive_steps(len(texts), args.contrastive_batch_size, args.contrastive_epochs,
                              args.contrastive_min_steps, args.contrastive_max_steps)
    # a batch holds no more texts than the user labelled: the names' sentences take a
    # share of it rather than growing it (movie sentences, 8 per class, 5 seeds: batches
    # of 16 scored 0.716 in 3-4 s, of all 26 texts 0.714 in 4-5 s)
    batch = max(4, min(args.contrastive_batch_size, len(texts)))
    rate = args.contrastive_rate(encoder.layers, len(texts) / len(np.unique(y)), careful)
    tuner = ContrastiveTuner(steps=steps, batch_size=batch, learning_rate=rate,
                             temperature=args.contrastive_temperature, objective=objective,
                             seed=strategy.seed, verbose=strategy.verbose,
                             device=training_device(args.device), bf16=args.contrastive_bf16)
    named, named_y = strategy.label_sentences(list(texts), y)   # decided on frozen vectors
    # the class names' sentences join the labelled texts of the contrastive steps; a long
    # text is seen as the head reads it, the mean of its windows' vectors
    texts = list(texts) + named
    windows = windows or args.contrastive_windows or encoder.windows
    ids, owner = encoder.window_ids(texts, windows, count=False)   # the head counts
    labels = np.concatenate([np.asarray(y), np.asarray(named_y, dtype=int)])
    history = tuner.fit(encoder, ids, labels, encoder.tokenizer.pad_token_id or 0,
                        owner if len(ids) > len(texts) else None)
    encoder.finetuned = True   # the on-disk vectors of the frozen model no longer apply
    encoder.prepare_inference()   # fp32: the head learns from fp32 vectors
    strategy.info.update({"contrastive_steps": steps, "contrastive_objective": objective,
                          "contrastive_learning_rate": rate, "contrastive_windows": windows,
                          "contrastive_loss_first_last": [round(history[0], 4),
                                                          round(history[-1], 4)]})


class ContrastiveStrategy(FeaturesStrategy):
    name = "contrastive"
    trains_encoder = True
    objective = "supcon"

    def fit(self, texts, y, classes, validation=None):
        self.encoder = self.make_encoder("fp32")
        self.check_vocabulary(texts)
        adapt_encoder(self, texts, y, self.objective)
        self.shard_embedding = True   # under torchrun the ranks share the head's encoding
        self.fit_head(texts, y, classes, validation)
        self.shard_embedding = False
        self.ready_for_inference()
        return self
