"""The class names as a few extra training texts: "positive", "This is positive.", ...

A pretrained encoder already knows what the words of a class name mean, so with a handful
of labels per class, a few short sentences built from each name tell the head where that
class lies. SetFit offers the same as its templated data set; here it is on by default
when every class name is made of words. Measured at 8 labels per class
(docs/results/english-sentiment.md): the frozen features 0.615 -> 0.662 on movie
sentences, 0.533 -> 0.547 on tweets, 0.744 -> 0.819 on the Chinese reviews; contrastive
0.652 -> 0.716 and 0.521 -> 0.565.

A name in Chinese characters goes into the same sentences in Chinese ("这是好评。").

Names with digits ("0", "LABEL_1", "5 stars") or of one Latin letter ("A", "b") say
nothing an encoder can use and are left out, as is every name when one of them is.
Names that are words but point the wrong way are caught by the strategy (features.py):
by default the sentences are used only when the user's own training texts lie nearer,
in cosine, to their own class's sentences than to the average class's.
"""
from __future__ import annotations

import re

TEMPLATES = ("{}", "This is {}.", "This sentence is {}.", "It is {}.", "The text is {}.")
# Five more, in the voice of an opinion, for English names. With the five above, at 8
# labels per class (contrastive, bench/fewshot.py's splits and seeds) they lifted the
# sentiment sets (tweets +1.5 points, vader-tweets +1.1, nyt +0.7, movie +0.5) and cost
# the topic sets (BBC News -0.65, fortunes -0.4) and amazon -0.3; so the strategy adds
# them only where they sort the user's own texts better than the five alone do
# (FeaturesStrategy._decide_names).
MORE_TEMPLATES = ("A {} text.", "This text is {}.", "It was {}.", "Overall, it is {}.",
                  "Clearly {}.")
# ... and only where every class has this many labelled texts to measure that on: with one
# per class the choice took the ten for 1 of 3 seeds of BBC News, costing that seed 2.7
# points, and at 1 and 4 per class on five sentiment sets it moved the frozen features
# by -0.6 to +1.0 points, about as much down as up (ad hoc, 2026-12-01)
MORE_TEMPLATES_FROM = 8
# The same sentences in Chinese, for class names in Chinese characters. Measured on the
# Chinese reviews (bench/label_names.py: multilingual-e5-small, frozen features, 6 seeds):
# named 负面/正面, 0.800 / 0.804 / 0.818 at 4 / 8 / 32 labels per class against 0.787 /
# 0.792 / 0.814 in the English sentences; named 差评/好评, 0.775 / 0.788 / 0.816 against
# 0.755 / 0.782 / 0.818; contrastive at 8 level (0.843 against 0.844, 3 seeds, ad hoc).
TEMPLATES_ZH = ("{}", "这是{}。", "这句话是{}。", "它是{}。", "这段文字是{}。")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")   # Japanese or Korean, not Chinese
_WORDS = re.compile(r"[^\W\d_]+(?:[\s_/&'.:-]+[^\W\d_]+)*")   # letters, in any script
# a name in camel case: "AddToPlaylist", "GetWeather" (SNIPS's intents), "bookFlight";
# not "iPhone" or "World"
_CAMEL = re.compile(r"(?:[A-Z][a-z]+|[a-z]{2,})(?:[A-Z][a-z]*)+")


# Sentiment labels are often abbreviated; as they stand they point nowhere useful: on
# the Chinese reviews ("neg", "pos"; multilingual-e5-small, 8 per class, 3 seeds) their
# sentences lowered the frozen features from 0.744 to 0.702, "negative" and "positive"
# raised them to 0.819.
ABBREVIATIONS = {"neg": "negative", "pos": "positive", "neu": "neutral"}


def readable(name):
    """The class name as words: "card_arrival" -> "card arrival", "rec.autos" -> "rec
    autos", "AddToPlaylist" -> "add to playlist", "neg" -> "negative"."""
    name = str(name).strip()
    if _CAMEL.fullmatch(name):
        name = " ".join(re.findall(r"[A-Z]?[a-z]+|[A-Z]+", name)).lower()
    words = " ".join(re.sub(r"[_.:-]+", " ", name).split())
    return ABBREVIATIONS.get(words.lower(), words)


def names_are_words(names):
    """True when every class name is one or more words (no digits, not a lone Latin letter):
    names to build on. Letters as names ("A", "B") passed the strategy's agreement check on
    7 of 10 seeds of movie sentences at 8 per class and cost the features 2.0 points there
    (ad hoc, 2026-11-30); one CJK character is a word ("好")."""
    return all(_WORDS.fullmatch(name) and not (len(name) == 1 and name.isascii())
               for name in (str(name).strip() for name in names))


def templates_for(name):
    """The sentences a class name goes into: Chinese ones for a name in Chinese characters,
    English ones for any other."""
    name = str(name)
    return TEMPLATES_ZH if _HAN.search(name) and not _KANA_HANGUL.search(name) else TEMPLATES


def label_texts(names, templates=None, more=False):
    """(texts, y): each template (by default those of templates_for the name, and with
    `more` MORE_TEMPLATES for an English one) filled with each class's readable name, y its
    index."""
    texts, y = [], []
    for index, name in enumerate(names):
        chosen = templates or templates_for(name)
        if more and chosen is TEMPLATES:
            chosen = TEMPLATES + MORE_TEMPLATES
        for template in chosen:
            texts.append(template.format(readable(name)))
            y.append(index)
    return texts, y


