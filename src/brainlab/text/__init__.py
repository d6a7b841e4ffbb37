"""brainlab.text: transfer learning for text classification, offline, beside a from-scratch
baseline. ``TextClassifier(strategy="features" | "finetune" | "scratch")``."""
from .classifier import STRATEGIES, TextClassifier
from .data import Dataset, load_bbc_news, load_chinese_reviews, read_dataset, stratified_split

__all__ = ["TextClassifier", "STRATEGIES", "Dataset", "read_dataset", "stratified_split",
           "load_bbc_news", "load_chinese_reviews"]
