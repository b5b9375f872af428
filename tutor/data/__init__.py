"""Data for the course: tokenising, vocabularies, padding, bag-of-words, IMDb and NYSE.

Imports NumPy and SciPy only (never Textual or Rich), so the quick CLI paths stay light.
"""

from tutor.data.bow import bag_of_words, density
from tutor.data.imdb import (
    IMDB_MD5,
    IMDB_URL,
    ImdbSplit,
    default_archive,
    download,
    find_imdb,
    read_imdb,
    read_imdb_splits,
    train_val_split,
)
from tutor.data.nyse import (
    NyseLagged,
    NyseSeries,
    autocorrelation,
    load_nyse,
    load_nyse_lagged,
    make_lagged,
)
from tutor.data.sequences import pad_sequences, truncated
from tutor.data.text import tokenize
from tutor.data.vocab import PAD_ID, UNK_ID, Vocabulary

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
