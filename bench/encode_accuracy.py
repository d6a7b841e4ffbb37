"""Does int8 keep the answers? BBC News `features` test accuracy, fp32 vs int8 encoder.

The head is trained once on fp32 vectors of the training split (as `fit` does);
the test split is then encoded by the fp32 and by the int8 encoder and labelled
by that same head. The int8 encoder is smoothed by the fp32 activation ranges recorded
on 128 training texts, as a saved model records them. Target: accuracy changes by at
most 0.5 points.

    python bench/encode_accuracy.py
"""
import warnings

warnings.filterwarnings("ignore")


def main():
    from brainlab.text import TextClassifier, load_bbc_news, stratified_split
    from brainlab.text.encoders import TransformerEncoder
    from brainlab.text.metrics import classification_scores

    train, test = stratified_split(load_bbc_news(), 0.2, seed=0)
    classifier = TextClassifier(strategy="features", seed=0).fit(train.texts, train.labels)
    fp32_labels = classifier.predict(test.texts, cache=True)
    strategy = classifier.strategy_
    strategy.calibrate()
    activation_max = strategy.encoder.activation_max
    strategy.encoder = TransformerEncoder(precision="int8", max_length=strategy.max_length)
    strategy.encoder.activation_max = activation_max
    int8_labels = classifier.predict(test.texts)
    fp32 = classification_scores(test.labels, fp32_labels, classifier.classes_)
    int8 = classification_scores(test.labels, int8_labels, classifier.classes_)
    agree = sum(a == b for a, b in zip(fp32_labels, int8_labels))
    print(f"BBC News features, {len(train)} training texts, {len(test)} test texts")
    print(f"fp32 accuracy {fp32['accuracy']:.4f} (macro-F1 {fp32['macro_f1']:.4f})")
    print(f"int8 accuracy {int8['accuracy']:.4f} (macro-F1 {int8['macro_f1']:.4f})")
    print(f"difference {100 * (int8['accuracy'] - fp32['accuracy']):+.2f} points "
          f"(target: within 0.5); labels agree on {agree}/{len(test)} texts")


if __name__ == "__main__":
    main()
