"""finetune: the features strategy, then the whole encoder and the head trained together
in PyTorch (text/finetune.py), starting from the fitted head (a linear probe first).

With fewer than 20 labels in some class nothing can be held out to tell whether
fine-tuning helped, and measured on BBC News it did not: at 1, 4 and 8 labels per class
the fine-tuned model scored 8.6, 9.9 and 1.9 points below the probe it started from. So
below that the probe is kept as it is (``info["finetune_skipped"]`` says why); the
`contrastive` strategy is the one that adapts the encoder to a few labels.
"""
from __future__ import annotations

import numpy as np

from .base import MIN_PER_CLASS_FOR_VALIDATION, hold_out
from .features import FeaturesStrategy


class FineTuneStrategy(FeaturesStrategy):
    name = "finetune"
    trains_encoder = True

    def fit(self, texts, y, classes, validation=None):
        from ..distributed import training_device
        from ..finetune import ClassifierNetwork, FineTuner, copy_head_back

        self.encoder = self.make_encoder("fp32")
        all_texts, all_y = list(texts), np.asarray(y)
        texts, y, validation = hold_out(texts, y, validation, self.args.validation_fraction,
                                        self.seed)
        self.shard_embedding = True   # under torchrun the ranks share the probe's encoding
        self.fit_head(texts, y, classes, validation)   # the probe: where fine-tuning starts
        self.shard_embedding = False
        if validation is None:
            self.info["finetune_skipped"] = (
                f"fewer than {MIN_PER_CLASS_FOR_VALIDATION} labels in some class: nothing to "
                f"hold out, and fine-tuning on so few lost to the probe when measured")
            self.ready_for_inference()
            return self
        network = ClassifierNetwork(self.encoder, self.head, self.mean, self.std)
        epochs, learning_rate = self.args.finetune_schedule(len(texts))
        self.info["finetune_schedule"] = f"{epochs} epochs at learning rate {learning_rate:g}"
        tuner = FineTuner(epochs=epochs, learning_rate=learning_rate,
                          batch_size=self.args.finetune_batch_size, seed=self.seed,
                          verbose=self.verbose, device=training_device(self.args.device),
                          checkpoint_dir=self.args.checkpoint_dir, resume=self.args.resume,
                          bf16=self.args.finetune_bf16,
                          train_word_embeddings=self.args.finetune_word_embeddings)
        tuner.pad_id = self.encoder.tokenizer.pad_token_id or 0
        history = tuner.fit(network, self.encoder.tokenize(texts), np.asarray(y),
                            self.encoder.tokenize(validation[0]), np.asarray(validation[1]))
        self.info.update({"finetune_epochs": len(history["loss"]),
                          "finetune_best_epoch": tuner.best_epoch,
                          "finetune_val_loss": history["val_loss"],
                          "finetune_val_accuracy": history["val_accuracy"],
                          "finetune_epoch_seconds": history["epoch_seconds"],
                          "finetune_device": str(tuner.device)})
        if tuner.resumed_from:
            self.info["finetune_resumed_from_epoch"] = tuner.resumed_from
        if tuner.best_epoch == 0:
            # no epoch beat the probe on the held-out texts, and the encoder is back at its
            # pretrained weights: what is left is the features strategy, so fit its head on
            # every label, the held-out ones included (as features would)
            self.info["finetune_kept"] = "the probe, refitted on all labels"
            self.fit_head(all_texts, all_y, classes)
            self.ready_for_inference()
            return self
        copy_head_back(network.head, self.head)
        self.encoder.finetuned = True
        self.encoder.prepare_inference()   # the lean forward holds a copy of q, k, v
        self.ready_for_inference()
        self.note_encoder()
        return self
