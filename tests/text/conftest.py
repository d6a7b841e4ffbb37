"""A small labelled data set the tests build, and an isolated embedding cache."""
import csv

import pytest

TOPICS = {
    "sport": ["the striker scored a late goal in the football match",
              "the team won the championship after a tense final",
              "the tennis player served an ace to win the set",
              "fans cheered as the runner broke the world record",
              "the coach praised the defence after the league game",
              "a brilliant penalty save decided the cup tie"],
    "tech": ["the new smartphone has a faster processor and more memory",
             "software update fixes a security bug in the browser",
             "the startup released an app that uses machine learning",
             "engineers built a chip that runs code with less power",
             "the laptop battery lasts all day with the new operating system",
             "hackers exploited a flaw in the cloud servers"],
    "food": ["the chef baked fresh bread with olive oil and rosemary",
             "this soup recipe needs garlic onions and tomatoes",
             "the restaurant serves spicy noodles and dumplings",
             "we cooked rice with vegetables and a little soy sauce",
             "the cake was sweet with chocolate and strawberries",
             "grill the fish with lemon butter and herbs"],
}


def small_rows(repeat=4):
    """Distinct texts: each base sentence with a few varied endings."""
    endings = ["", " today", " again", " this week", " they said", " on sunday"]
    rows = []
    for label, sentences in TOPICS.items():
        for sentence in sentences:
            for ending in endings[:repeat]:
                rows.append({"text": sentence + ending, "label": label})
    return rows


def write_csv(path, rows, fieldnames=("text", "label"), delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("BRAINLAB_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def small_csv(tmp_path):
    return write_csv(tmp_path / "small.csv", small_rows())


@pytest.fixture
def small_data():
    rows = small_rows()
    return [r["text"] for r in rows], [r["label"] for r in rows]
