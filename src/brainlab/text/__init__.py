"""brainlab.text: transfer learning for text classification, offline, beside a from-scratch
baseline. ``TextClassifier(strategy="features" | "finetune" | "contrastive" | "scratch")``."""
from .classifier import STRATEGIES, TextClassifier
from .data import Dataset, read_dataset, stratified_split
from .datasets import (load_bbc_news, load_chinese_reviews, load_movie_sentences,
                       load_tweets_sentiment)
from .training import TrainingArguments

__all__ = ["TextClassifier", "TrainingArguments", "STRATEGIES", "Dataset", "read_dataset",
           "stratified_split", "load_bbc_news", "load_chinese_reviews", "load_movie_sentences",
           "load_tweets_sentiment"]
