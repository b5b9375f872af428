"""The real dev copy of the IMDb train split (skipped when ../shared/data is absent)."""

from pathlib import Path

import numpy as np
import pytest

from tutor.data import (
    Vocabulary,
    bag_of_words,
    density,
    pad_sequences,
    read_imdb,
    tokenize,
    train_val_split,
    truncated,
)

DEV_COPY = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "aclImdb_train.tar.gz"

pytestmark = [
    pytest.mark.skipif(not DEV_COPY.is_file(), reason=f"dev copy absent: {DEV_COPY}"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def train():
    return read_imdb(DEV_COPY, "train")


@pytest.fixture(scope="module")
def tokens(train):
    return [tokenize(t) for t in train.texts]


def test_train_split_counts(train):
    assert len(train) == 25_000
    assert int((train.labels == 1).sum()) == 12_500 and int((train.labels == 0).sum()) == 12_500
    assert set(np.unique(train.ratings[train.labels == 1])) <= {7, 8, 9, 10}
    assert set(np.unique(train.ratings[train.labels == 0])) <= {1, 2, 3, 4}
    _, val = train_val_split(train.labels, 0.2, seed=0)
    assert len(val) == 5_000 and int(train.labels[val].sum()) == 2_500


def test_vocabulary_and_bag_of_words_density(tokens):
    vocab = Vocabulary.build(tokens, max_words=10_000)
    assert len(vocab) == 10_000
    assert vocab.most_common(3)[0][0] == "the"
    ids = [vocab.encode(t) for t in tokens]
    rng = np.random.default_rng(0)
    sample = [ids[i] for i in rng.choice(len(ids), 5_000, replace=False)]
    d = density(bag_of_words(sample, len(vocab)))
    cut = float(truncated(ids, 500).mean())
    print(f"\nbag-of-words density (10k words, 5k reviews): {d:.4%}; truncated at 500: {cut:.1%}")
    assert 0.005 < d < 0.03  # the course quotes about 1.3%
    assert 0.0 < cut < 0.25  # most reviews are shorter than 500 words
    assert pad_sequences(sample, 500).shape == (5_000, 500)
