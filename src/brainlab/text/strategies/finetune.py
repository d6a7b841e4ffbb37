"""finetune: the features strategy, then the whole encoder and the head trained together
in PyTorch (text/finetune.py), starting from the fitted head (a linear probe first).

On a training part of under 1,000 texts (`TrainingArguments.finetune_contrastive_texts`)
and an encoder of up to 6 layers (MiniLM; not the 12 of multilingual-e5-small, where it
did not help) the encoder is first adapted by contrastive's steps (SetFit's order: the body
contrastively, then end to end), and the probe is fitted on the adapted vectors.
Cross-entropy alone on so few texts barely moves the encoder before the held-out slice
stops it: at 32 labels per class finetune gained 2.1 and 0.2 points over the frozen
features on the amazon and nyt snippets where contrastive gained 7.4 and 6.2; with the
start, 6.7 and 5.3 (docs/results/english-sentiment.md).

With fewer than 20 labels in some class nothing can be held out to tell whether the
end-to-end epochs help, and measured on BBC News they did not: at 1, 4 and 8 labels per
class the fine-tuned model scored 8.6, 9.9 and 1.9 points below the probe it started
from. So below that the end-to-end epochs are skipped (``info["finetune_skipped"]`` says
why), and what is kept is the probe: on the contrastively adapted encoder where the start
ran (contrastive's model), else on the pretrained one (the features strategy). With
nothing held out the start runs only when the class names' sentences join its steps:
without them contrastive's model fell below the frozen features on tweets
(docs/results/benches/fewshot.md). With one label a class its step is smaller than
contrastive's (`TrainingArguments.contrastive_rate`, careful): contrastive's fell below
the frozen features on BBC News, whose class names already sort the articles.
"""
from __future__ import annotations

import numpy as np

from .base import MIN_PER_CLASS_FOR_VALIDATION, hold_out
from .contrastive import adapt_encoder
from .features import FeaturesStrategy


class FineTuneStrategy(FeaturesStrategy):
    name = "finetune"
    trains_encoder = True

    def fit(self, texts, y, classes, validation=None):
        from ..distributed import training_device
        from ..finetune import ClassifierNetwork, FineTuner, copy_head_back

        self.encoder = self.make_encoder("fp32")
        self.check_vocabulary(texts)
        all_texts, all_y = list(texts), np.asarray(y)
        texts, y, validation = hold_out(texts, y, validation, self.args.validation_fraction,
                                        self.seed)
        # nothing held out: the steps need the class names' sentences as anchors
        checked = validation is not None or bool(self.label_sentences(texts, y)[0])
        contrastive = self.args.finetune_starts_contrastive(len(texts), self.encoder.layers,
                                                            checked)
        if contrastive and self.args.resume:
            # the checkpoint holds the adapted weights (and the fingerprint says the run
            # started so): its steps are not run again only to be overwritten
            self.info["finetune_started_from"] = "contrastive adaptation (in the checkpoint)"
        elif contrastive:   # on the training part only: the held-out texts judge it too
            # the first window of a long text, as the end-to-end epochs after it read;
            # every window where the adapted model is kept (nothing held out)
            adapt_encoder(self, texts, y, windows=1 if validation is not None else None,
                          careful=True)
            self.info["finetune_started_from"] = "contrastive adaptation"
        elif not checked and self.args.finetune_starts_contrastive(len(texts),
                                                                   self.encoder.layers):
            self.info["finetune_contrastive_start_skipped"] = (
                "nothing to hold out and no class names' sentences to anchor the steps")
        self.shard_embedding = True   # under torchrun the ranks share the probe's encoding
        self.fit_head(texts, y, classes, validation)   # the probe: where fine-tuning starts
        self.shard_embedding = False
        if validation is None:
            self.info["finetune_skipped"] = (
                f"fewer than {MIN_PER_CLASS_FOR_VALIDATION} labels in some class: nothing to "
                f"hold out, and end-to-end epochs on so few lost to the probe when measured")
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
                          train_word_embeddings=self.args.finetune_word_embeddings,
                          start="contrastive" if contrastive else "probe")
        tuner.pad_id = self.encoder.tokenizer.pad_token_id or 0
        probe_facts = tuner.start_facts = self._start_facts()
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
            if tuner.start_facts:
                # the probe above was fitted only to build the network: the checkpoint's
                # weights replace it, and on a contrastive start it saw unadapted vectors.
                # Its facts give way to those of the run that wrote the checkpoint.
                for key in probe_facts:
                    self.info.pop(key)
                self.info.update(tuner.start_facts)
        if tuner.best_epoch == 0:
            # no epoch beat the probe on the held-out texts, and the encoder is back where
            # the probe found it (pretrained, or contrastively adapted): fit the head on
            # every label, the held-out ones included (as features and contrastive would)
            self.info["finetune_kept"] = "the probe, refitted on all labels"
            if contrastive:   # the adapted weights, restored with the probe's state
                self.encoder.finetuned = True
                self.encoder.prepare_inference()
            self.fit_head(all_texts, all_y, classes)
            self.ready_for_inference()
            return self
        copy_head_back(network.head, self.head)
        # the scale the kept weights were trained with (a resumed run loads it with them)
        self.mean, self.std = network.mean.numpy().copy(), network.std.numpy().copy()
        self.encoder.finetuned = True
        self.encoder.prepare_inference()   # the lean forward holds a copy of q, k, v
        self.ready_for_inference()
        self.note_encoder()
        return self

    def _start_facts(self):
        """The facts of info that describe where fine-tuning started: the probe's head and
        contrastive's steps."""
        return {key: value for key, value in self.info.items()
                if key.startswith(("head_", "contrastive_"))}
