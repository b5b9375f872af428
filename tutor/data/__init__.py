"""Data for the course: tokenising, vocabularies, padding, bag-of-words, IMDb and NYSE.

Imports NumPy and SciPy only (never Textual or Rich), so the quick CLI paths stay light.
"""

from importlib import import_module
from typing import Any

# name -> module: loaded on first use, so the quick paths (``tutor predict`` needs only the
# tokenizer and the vocabulary) do not pay for SciPy's sparse matrices or the downloader's ssl
_WHERE = {
    "bag_of_words": "bow",
    "density": "bow",
    "IMDB_MD5": "imdb",
    "IMDB_URL": "imdb",
    "ImdbSplit": "imdb",
    "default_archive": "imdb",
    "download": "imdb",
    "find_imdb": "imdb",
    "read_imdb": "imdb",
    "read_imdb_splits": "imdb",
    "train_val_split": "imdb",
    "NyseLagged": "nyse",
    "NyseSeries": "nyse",
    "autocorrelation": "nyse",
    "load_nyse": "nyse",
    "load_nyse_lagged": "nyse",
    "make_lagged": "nyse",
    "pad_sequences": "sequences",
    "truncated": "sequences",
    "tokenize": "text",
    "PAD_ID": "vocab",
    "UNK_ID": "vocab",
    "Vocabulary": "vocab",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'tutor.data' has no attribute {name!r}")
    value = getattr(import_module(f"tutor.data.{_WHERE[name]}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "IMDB_MD5",
    "IMDB_URL",
    "PAD_ID",
    "UNK_ID",
    "ImdbSplit",
    "NyseLagged",
    "NyseSeries",
    "Vocabulary",
    "autocorrelation",
    "bag_of_words",
    "default_archive",
    "density",
    "download",
    "find_imdb",
    "load_nyse",
    "load_nyse_lagged",
    "make_lagged",
    "pad_sequences",
    "read_imdb",
    "read_imdb_splits",
    "tokenize",
    "train_val_split",
    "truncated",
]
