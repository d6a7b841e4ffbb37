"""Reading labelled files, shipped data sets and splits."""
import json
from collections import Counter

import pytest

from brainlab.text.datasets import load_bbc_news, load_chinese_reviews
from brainlab.text.data import (read_dataset,
                                sample_per_class, stratified_split, stream_texts)

from .conftest import small_rows, write_csv


def test_csv_tsv_and_jsonl_with_chosen_columns(tmp_path):
    rows = [{"body": r["text"], "topic": r["label"]} for r in small_rows(2)]
    csv_path = write_csv(tmp_path / "a.csv", rows, ("body", "topic"))
    tsv_path = write_csv(tmp_path / "a.tsv", rows, ("body", "topic"), delimiter="\t")
    jsonl_path = tmp_path / "a.jsonl"
    jsonl_path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for path in (csv_path, tsv_path, jsonl_path):
        data = read_dataset(path, "body", "topic")
        assert data.texts == [r["body"] for r in rows]
        assert data.labels == [r["topic"] for r in rows]


def test_integer_labels_stay_integers(tmp_path):
    path = tmp_path / "ints.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": "0"}\n', encoding="utf-8")
    assert read_dataset(path).labels == [1, 0]


def test_json_values_that_are_not_text_name_their_row(tmp_path):
    path = tmp_path / "nested.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": ["y"]}\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 2, column 'label': expected a string or "
                       r"number, got \[\"y\"\]"):
        read_dataset(path)
    path.write_text('{"text": true, "label": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="row 1, column 'text': expected a string or number"):
        read_dataset(path)
    with pytest.raises(ValueError, match="row 1, column 'text': expected a string or number, got true"):
        list(stream_texts(path))


def test_empty_texts_are_skipped_and_counted(tmp_path, capsys):
    rows = small_rows(2) + [{"text": "   ", "label": "food"}, {"text": "", "label": "tech"}]
    data = read_dataset(write_csv(tmp_path / "e.csv", rows))
    assert len(data) == len(rows) - 2 and data.skipped_empty == 2
    assert "skipped 2 empty text(s)" in capsys.readouterr().err


def test_labels_that_look_like_mistakes_are_warned_of_and_kept(tmp_path, capsys):
    rows = small_rows(2)
    clean = read_dataset(write_csv(tmp_path / "clean.csv", rows))
    assert capsys.readouterr().err == ""
    rows += [{"text": rows[0]["text"] + " ", "label": "tech"},   # the first text, relabelled
             {"text": rows[1]["text"], "label": "sport"},        # a plain copy
             {"text": "a long rally ended the match", "label": "Sport"}]
    data = read_dataset(write_csv(tmp_path / "odd.csv", rows))
    warnings = capsys.readouterr().err.splitlines()
    assert len(data) == len(clean) + 3 and "Sport" in data.labels   # nothing is changed
    assert warnings == [
        f"warning: {tmp_path / 'odd.csv'}: classes 'Sport' and 'sport' differ only in case; "
        "they are kept apart (relabel them if they are one class)",
        f"warning: {tmp_path / 'odd.csv'}: 2 text(s) occur more than once, 1 of them with "
        f"different labels (e.g. rows 2 and {len(clean) + 2}); a copy on each side of the "
        "held-out split "
        "inflates its score"]
    read_dataset(tmp_path / "odd.csv", warn=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("content,message", [
    (b"", "the file is empty"),
    (b"text,label\n", "no data rows"),
    (b"text,label\ncaf\xe9,food\n", r"not UTF-8 \(invalid byte 0xe9 at line 2"),
    (b"text,label\nhello,\nworld,x\n", r"row 2, column 'label': missing label"),
    (b"text,label\nhello,a\nworld,a\n", r"only one class \('a'\)"),
])
def test_bad_files_name_the_problem(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_dataset(path)


GBK_ROWS = "text,label\n这个手机很好用，电池也耐用,好评\n质量太差了，用了两天就坏,差评\n"


def test_a_chinese_gbk_file_is_named_as_such_and_read_with_its_encoding(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(GBK_ROWS.encode("gbk"))   # what Excel saves on Chinese Windows
    with pytest.raises(ValueError, match=r"not UTF-8 \(invalid byte 0xd5 at line 2.*reads as "
                       r"Chinese in GB18030.*--encoding gb18030"):
        read_dataset(path)
    data = read_dataset(path, encoding="gb18030")
    assert data.texts[0] == "这个手机很好用，电池也耐用" and data.labels == ["好评", "差评"]
    stream = tmp_path / "gbk.txt"
    stream.write_bytes("好用\n太差\n".encode("gbk"))
    with pytest.raises(ValueError, match="reads as Chinese in GB18030"):
        list(stream_texts(stream))
    assert [t for _, t in stream_texts(stream, encoding="gbk")] == ["好用", "太差"]
    # a Latin-1 file is not taken for Chinese, and a UTF-8 byte-order mark is skipped
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text,label\ncafé noir,a\nthé vert,b\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"save the file as UTF-8$"):
        read_dataset(latin)
    assert read_dataset(latin, encoding="latin-1").texts == ["café noir", "thé vert"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(GBK_ROWS.encode("utf-8-sig"))
    assert read_dataset(bom, encoding="UTF8").labels == ["好评", "差评"]
    with pytest.raises(ValueError, match=r"not ascii \(invalid byte 0xd5 at line 2.*pass the "
                       "encoding the file was saved in"):
        read_dataset(path, encoding="ascii")


def test_missing_file_and_column(tmp_path, small_csv):
    with pytest.raises(ValueError, match="no such file"):
        read_dataset(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match=r"no column 'review'; the columns are \['label', 'text'\]"):
        read_dataset(small_csv, text_column="review")


def test_stratified_split_keeps_proportions_and_refuses_tiny_classes(small_csv):
    data = read_dataset(small_csv)
    train, test = stratified_split(data, 0.25, seed=0)
    assert Counter(test.labels) == {"sport": 6, "tech": 6, "food": 6}
    assert not set(train.texts) & set(test.texts)
    tiny = data.subset([0, 1, 24])   # one 'tech' example
    with pytest.raises(ValueError, match="fewer than 2 examples"):
        stratified_split(tiny, 0.5)
    assert Counter(sample_per_class(data, 3, seed=1).labels) == {"sport": 3, "tech": 3, "food": 3}


def test_stream_texts_reads_rows_in_order(tmp_path, small_csv):
    rows = list(stream_texts(small_csv))
    assert [text for _, text in rows] == [r["text"] for r in small_rows()]
    assert rows[0][0] == 2   # line numbers count the header
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\nbad \xff byte\n")
    with pytest.raises(ValueError, match="not UTF-8"):
        list(stream_texts(bad))


def test_shipped_data_sets():
    bbc = load_bbc_news()
    assert len(bbc) == 2225
    assert Counter(bbc.labels) == {"business": 510, "entertainment": 386, "politics": 417,
                                   "sports": 511, "tech": 401}
    reviews = load_chinese_reviews()
    assert len(set(reviews.texts)) == len(reviews) > 15000
    assert set(reviews.labels) == {"pos", "neg"}


def test_short_english_sentiment_sets():
    """The two sets that check what BBC News cannot: short texts, sentiment."""
    from brainlab.text.datasets import load_movie_sentences, load_tweets_sentiment

    movies = load_movie_sentences()   # 10,605 rated sentences, 37 rated 0, 2 repeated
    assert Counter(movies.labels) == {"negative": 5325, "positive": 5241}
    assert len(set(movies.texts)) == len(movies)
    assert "Effective but too tepid biopic" in movies.texts
    tweets = load_tweets_sentiment()
    assert Counter(tweets.labels) == {"negative": 15955, "neutral": 14431, "positive": 6811}
    assert len(set(tweets.texts)) == len(tweets)


def test_the_other_rated_snippets_of_the_same_archive():
    """Amazon review and New York Times opinion sentences, labelled like movie-sentences:
    more short sentiment sets to confirm what is tuned on the first two."""
    from brainlab.text.data import load_data

    amazon, nyt = load_data("amazon-snippets"), load_data("nyt-snippets")
    assert Counter(amazon.labels) == {"positive": 2120, "negative": 1480}
    assert Counter(nyt.labels) == {"negative": 2700, "positive": 2178}
    assert amazon.source == "amazon-snippets" and nyt.source == "nyt-snippets"
    assert len(set(amazon.texts)) == len(amazon) and len(set(nyt.texts)) == len(nyt)
    tweets = load_data("vader-tweets")   # 4,200 rated, 4 of them exactly 0
    assert Counter(tweets.labels) == {"positive": 2897, "negative": 1299}
    assert tweets.source == "vader-tweets" and len(set(tweets.texts)) == len(tweets)


def test_a_missing_source_archive_says_how_to_get_it(tmp_path, monkeypatch):
    from brainlab.text.datasets import load_movie_sentences

    monkeypatch.setenv("BRAINLAB_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="vaderSentiment-3.3.2.tar.gz: not found; 'make data'"):
        load_movie_sentences()
    from brainlab.text.datasets import load_fortunes

    with pytest.raises(ValueError, match="fortunes_1.99.1-7.3_all.deb: not found; 'make data'"):
        load_fortunes()


def test_fortunes_are_26_classes_of_plain_text():
    """Debian's fortunes by file, the two catch-alls left out; overstrike undone."""
    from brainlab.text.datasets import FORTUNES_DEB, data_dir

    if not (data_dir() / FORTUNES_DEB).is_file():
        pytest.skip("Debian's fortunes package was not downloaded (make data)")
    from brainlab.text.data import load_data

    fortunes = load_data("fortunes")
    counts = Counter(fortunes.labels)
    assert len(counts) == 26 and len(fortunes) == 11899
    assert counts["sports"] == 146 and counts["people"] == 1243
    assert "miscellaneous" not in counts and "cookie" not in counts
    assert len(set(fortunes.texts)) == len(fortunes)
    assert not any("\b" in text or "\n" in text for text in fortunes.texts)
    assert any(text.startswith("I have more humility in my little finger than you have in "
                               "your whole BODY!") for text in fortunes.texts)


def test_overstrike_is_undone_as_a_terminal_would():
    from brainlab.text.datasets import _fortune_text

    assert _fortune_text("B\bBO\bOLD and ___\b\b\bwow\n\tnext line") == "BOLD and wow next line"


def test_a_file_that_is_not_a_debian_package_is_refused(tmp_path):
    from brainlab.text.datasets import _deb_data

    fake = tmp_path / "fake.deb"
    fake.write_bytes(b"PK\x03\x04 not an ar archive")
    with pytest.raises(ValueError, match="fake.deb: not a Debian package"):
        _deb_data(fake)


def test_a_truncated_fortunes_package_says_to_fetch_it_again(tmp_path, monkeypatch):
    from brainlab.text.datasets import FORTUNES_DEB, data_dir, load_fortunes

    whole = data_dir() / FORTUNES_DEB
    if not whole.is_file():
        pytest.skip("Debian's fortunes package was not downloaded (make data)")
    (tmp_path / FORTUNES_DEB).write_bytes(whole.read_bytes()[:3000])
    monkeypatch.setenv("BRAINLAB_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="not a readable Debian package .*run 'make data'"):
        load_fortunes()
