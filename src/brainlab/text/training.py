"""Training settings, kept apart from the model (SetFit's ``TrainingArguments``).

A TextClassifier says *what* is learned (strategy, encoder, head); these say *how
long and how fast*. Every field has a default measured on the shipped data sets.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

DEVICES = ("auto", "cpu", "cuda")
_SWITCHES = ("resume", "contrastive_bf16", "finetune_bf16", "finetune_word_embeddings",
             "label_texts", "finetune_contrastive_start")
_NOT_NUMBERS = ("device", "checkpoint_dir", "label_names") + _SWITCHES
_AUTO = ("learning_rate", "finetune_epochs", "finetune_learning_rate",   # None: chosen
         "finetune_word_embeddings", "label_texts", "contrastive_learning_rate",
         "finetune_contrastive_start", "contrastive_windows")
FINETUNE = {"epochs": 2, "learning_rate": 1e-4}
FINETUNE_SMALL = {"epochs": 8, "learning_rate": 2e-5}
# contrastive's learning rate by the encoder's depth (SHALLOW_LAYERS) and, for a shallow
# one, by the labels per class (below FEW_LABELS_PER_CLASS on average: "few"); finetune's
# start with one label a class (below 2 on average) takes the careful step
CONTRASTIVE_RATES = {"shallow": 6e-5, "shallow, few labels": 1e-4, "deep": 2e-5,
                     "shallow, one label, careful": 3e-5}
SHALLOW_LAYERS = 6   # MiniLM-L6 and smaller; multilingual-e5-small has 12
FEW_LABELS_PER_CLASS = 12
ONE_LABEL_PER_CLASS = 2   # below this many per class on average: one label a class


@dataclass
class TrainingArguments:
    """How a TextClassifier trains; the defaults are what `brainlab text train` uses."""

    # the hidden-layer head (hidden_units > 0): Adam with early stopping
    epochs: int = 300
    small_data_epochs: int = 500
    learning_rate: float | None = None   # None: 1e-3 with early stopping, 1e-2 without
    batch_size: int = 32
    # held out for early stopping / best-epoch choice when every class has >= 20 labels
    validation_fraction: float = 0.15
    # scratch: the TF-IDF vocabulary size
    max_features: int = 20000
    # finetune: None picks by the size of the training part (`finetune_schedule`). From
    # `finetune_small_texts` texts up (10 batches an epoch): the plain PyTorch loop's recipe
    # (batch 32, 2 epochs) at twice its learning rate, 1e-4. Measured, 1e-4 against 5e-5,
    # seed 0: movie-sentences all 0.857 vs 0.848, 512 per class 0.812 vs 0.795; tweets-
    # sentiment 1,500 per class 0.761 vs 0.751; BBC News all 0.982 vs 0.975. Below it,
    # smaller steps for longer, 8 epochs at 2e-5: 2-4 steps at 1e-4 moved the encoder in a
    # noisy direction, and at 32 per class on the Chinese reviews (3 seeds) it fell 2.0
    # points below the frozen features (7.7 for one seed) where 8 epochs at 2e-5 rose 2.1
    # above them (the other sets: docs/results/english-sentiment.md).
    finetune_epochs: int | None = None
    finetune_learning_rate: float | None = None
    finetune_batch_size: int = 32
    finetune_small_texts: int = 320
    # finetune: bf16 autocast where the CPU multiplies bfloat16 natively (1.4x faster per
    # epoch, the same accuracy: bench/finetune_speed.py); whether the word-embedding table
    # trains (None: unless it is over two thirds of the encoder, as in a multilingual one;
    # see finetune.word_embeddings_trained)
    finetune_bf16: bool = True
    finetune_word_embeddings: bool | None = None
    # finetune: whether the encoder is first adapted by contrastive's steps (SetFit's order:
    # the body contrastively, then end to end). None: below `finetune_contrastive_texts`
    # training texts. Gain over the frozen features, 3 seeds, finetune without -> with
    # the start (contrastive alone): at 32 per class amazon snippets +2.1 -> +6.7 (+7.4),
    # nyt +0.2 -> +5.3 (+6.2), movie -0.3 -> +4.5 (+4.8), tweets -0.8 -> +2.2 (+1.5); at
    # 256 amazon +2.5 -> +5.6 (+6.0), movie +0.5 -> +5.4 (+5.5); at 512 (870 training
    # texts) amazon +5.2 -> +6.6 (+7.0), at a cost of about 100 s for the start's 400 steps.
    # With all labels: amazon (2,142 training texts) +7.7 -> +8.2, movie (6,286) +7.9 ->
    # +7.2 in twice the time; so large sets keep the plain loop's recipe. Only for
    # encoders of up to SHALLOW_LAYERS: multilingual-e5-small's contrastive steps add
    # little to its features on the Chinese reviews, and starting from them cost finetune
    # 0.4 points at 32 per class (3 seeds) and 0.7 at 128 (2 seeds: -2.0 and +0.6).
    finetune_contrastive_start: bool | None = None
    finetune_contrastive_texts: int = 1000
    # contrastive: steps = clip(contrastive_epochs * texts / min(batch, texts), min, max);
    # each batch holds up to `batch` texts (a lone text of its class twice, as two dropout
    # views). Measured with two views of every text in batches of 16 on movie-sentences
    # (3 seeds, gain over the frozen features): at 8 per class and 40 steps, temperature
    # 0.05 lost 0.9 points, 0.2 gained 2.4, 0.2 with learning rate 6e-5 gained 2.8, batch-
    # hard triplets 1.9-2.4; 16 steps gained 2.5 in a third of the time, 8 steps 1.3. At 64
    # per class, 16 passes (128 steps) gained 5.5 points, 4 passes 3.4.
    # The learning rate, None: 6e-5 (the above) for encoders of up to 6 layers, 2e-5 for
    # deeper ones. multilingual-e5-small (12 layers), gain over its frozen features (3
    # seeds, with the class names): Chinese reviews at 8 per class, 6e-5 -3.1 points,
    # 4e-5 -1.3, 3e-5 +0.2, 2e-5 +0.7; at 32 per class 6e-5 +0.5, 2e-5 +1.7; English
    # at 8 per class, tweets +0.6 and +0.5, amazon snippets -0.6 and +0.2. MiniLM-L6,
    # 1e-4 against 6e-5 (2026-12-01; 3 seeds, tweets 10, fortunes 2; bench/variants.py): at
    # 8 per class movie +0.8 points, amazon +1.5, vader-tweets +1.4, nyt +0.4, fortunes
    # +1.1, tweets 0.0, BBC News -0.2 (at 93 %); at 16 per class movie 0.0, amazon -0.4,
    # vader +1.0; at 64 movie -0.5, amazon -0.2; at 1 and 2 per class 5 of 7 cells up by
    # 0.2-1.7, tweets at 1 and vader at 2 down by 0.5; BBC News in compare -0.9 at 1 per
    # class, +0.2 at 4, -0.4 at 8. So 1e-4 below 12 labels per class, 6e-5 from there.
    # (32 passes instead of 16 at 6e-5 gained as much at 8 per class, in twice the time:
    # over half of SetFit's; at 64 per class +0.1 to +0.4.)
    contrastive_epochs: float = 16.0
    contrastive_batch_size: int = 32
    contrastive_min_steps: int = 8
    contrastive_max_steps: int = 400
    contrastive_learning_rate: float | None = None
    contrastive_temperature: float = 0.2
    # the windows of a long text its steps see, as the mean of their vectors (None: as
    # many as the classifier reads, `windows`); 1: its first max_length tokens only
    contrastive_windows: int | None = None
    # contrastive on a CPU that multiplies bfloat16 natively (AVX-512 BF16 or AMX): the
    # forward and backward under bf16 autocast (weights, optimizer and loss stay fp32)
    contrastive_bf16: bool = True
    # the class names as five short training sentences each ("This is positive."; ten for
    # English names where five more in an opinion's voice sort the training texts
    # better), for the head of every strategy but scratch and for contrastive's steps;
    # None: when every name is made of words and they point the right way on the
    # training texts; True: the five, always (text/label_texts.py,
    # FeaturesStrategy.label_sentences)
    label_texts: bool | None = None
    # the words that labels which are not words stand for, {label: name} ({0: "negative",
    # 1: "positive"}): the class names' sentences are made of these names, while the
    # classes, and so every prediction, stay the labels
    label_names: dict | None = None
    # where finetune and contrastive train: "auto" is the GPU when one is visible
    device: str = "auto"
    # finetune: a checkpoint after every epoch in this folder (None: none), and whether
    # to continue from the newest one there
    checkpoint_dir: str | None = None
    resume: bool = False

    def __post_init__(self):
        positive = [f.name for f in fields(self) if f.name not in _NOT_NUMBERS]
        for name in positive:
            value = getattr(self, name)
            if value is None and name in _AUTO:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"TrainingArguments.{name} must be a positive number"
                                 f"{' or None' if name in _AUTO else ''}, got {value!r}")
        for name in _SWITCHES:
            value = getattr(self, name)
            if not isinstance(value, bool) and not (value is None and name in _AUTO):
                raise ValueError(f"TrainingArguments.{name} must be True or False"
                                 f"{' or None' if name in _AUTO else ''}, got {value!r}")
        if self.label_names is not None and (
                not isinstance(self.label_names, dict) or not self.label_names or
                not all(isinstance(n, str) and n.strip() for n in self.label_names.values())):
            raise ValueError(f"TrainingArguments.label_names must be a dict of labels to "
                             f"non-empty names, like {{0: 'negative', 1: 'positive'}}, got "
                             f"{self.label_names!r}")
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"TrainingArguments.validation_fraction must be in (0, 1), got "
                             f"{self.validation_fraction!r}")
        if self.device not in DEVICES:
            raise ValueError(f"TrainingArguments.device must be one of {DEVICES}, got "
                             f"{self.device!r}")
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("TrainingArguments.resume needs checkpoint_dir: the folder to "
                             "resume from")
        if self.contrastive_windows is not None and not isinstance(self.contrastive_windows, int):
            raise ValueError(f"TrainingArguments.contrastive_windows must be a positive "
                             f"integer or None, got {self.contrastive_windows!r}")
        if self.contrastive_min_steps > self.contrastive_max_steps:
            raise ValueError("TrainingArguments.contrastive_min_steps must not exceed "
                             "contrastive_max_steps")

    def finetune_schedule(self, texts):
        """(epochs, learning rate) for fine-tuning on `texts` training texts: the fields
        where set, else 2 epochs at 1e-4, or 8 at 2e-5 below `finetune_small_texts`."""
        chosen = FINETUNE_SMALL if texts < self.finetune_small_texts else FINETUNE
        return (self.finetune_epochs or chosen["epochs"],
                self.finetune_learning_rate or chosen["learning_rate"])

    def finetune_starts_contrastive(self, texts, layers, checked=True):
        """Whether finetune adapts the encoder contrastively before its end-to-end epochs,
        for `texts` training texts and an encoder of `layers` transformer layers: the
        switch where set, else below finetune_contrastive_texts on a shallow encoder, and
        only if something keeps the steps honest (`checked`: held-out labels to judge
        them, or the class names' sentences among their texts). With neither, on tweets
        at 8 per class (5 seeds), contrastive's model scored 1.9 points below the frozen
        features (0.513 against 0.533) at 1e-4, and 0.8 below even at 3e-5."""
        if self.finetune_contrastive_start is not None:
            return self.finetune_contrastive_start
        return texts < self.finetune_contrastive_texts and layers <= SHALLOW_LAYERS and checked

    def contrastive_rate(self, layers, per_class=None, careful=False):
        """The contrastive learning rate for an encoder of `layers` transformer layers and
        `per_class` labelled texts per class on average: the field where set, else 2e-5
        above 6 layers, and up to 6 layers 1e-4 below FEW_LABELS_PER_CLASS, 6e-5 from
        there (measured above). `careful`: finetune's start, which must not fall below
        the frozen features; with one label a class it takes 3e-5. On BBC News the
        default 1e-4 scored 0.5 and 1.5 points below them on two splits, 3e-5 0.3 and
        1.0 above; on five sentiment sets 3e-5 stayed 0.8-3.9 points above them where
        the default ranged from -0.4 to +6.9 (docs/results/benches/fewshot.md). At 2 per
        class the default gained 3.0 on BBC News, 3e-5 2.8."""
        if self.contrastive_learning_rate is not None:
            return self.contrastive_learning_rate
        if layers > SHALLOW_LAYERS:
            return CONTRASTIVE_RATES["deep"]
        if careful and per_class is not None and per_class < ONE_LABEL_PER_CLASS:
            return CONTRASTIVE_RATES["shallow, one label, careful"]
        few = per_class is not None and per_class < FEW_LABELS_PER_CLASS
        return CONTRASTIVE_RATES["shallow, few labels" if few else "shallow"]

    def to_dict(self):
        return asdict(self)
