"""Tokeniser, vocabulary, padding and bag-of-words on small hand-made examples."""

import json

import numpy as np
import pytest

from tutor.data import (
    PAD_ID,
    UNK_ID,
    Vocabulary,
    bag_of_words,
    density,
    pad_sequences,
    tokenize,
    truncated,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Great movie!<br /><br />Loved it.", ["great", "movie", "loved", "it"]),
        ("one<br>two<br/>three<BR />four", ["one", "two", "three", "four"]),
        ("I don't think it's the director's fault", ["i", "don't", "think", "it's", "the", "director's", "fault"]),
        ("'Quoted' words, and 'tis", ["quoted", "words", "and", "tis"]),
        ("Don\u2019t", ["don't"]),
        ("10/10 -- a must-see...", ["10", "10", "a", "must", "see"]),
        ("Caf\u00e9 CRÈME, snake_case", ["caf\u00e9", "crème", "snake", "case"]),
        ("", []),
        ("?!... ---", []),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


def test_vocabulary_ids_ties_and_unknown():
    docs = [["b", "a", "c"], ["a", "b", "d"], ["a", "e"]]  # a:3, b:2, c/d/e:1 (a tie)
    vocab = Vocabulary.build(docs, max_words=5)
    assert len(vocab) == 5  # max_words counts the two reserved ids
    assert vocab.words == ["<pad>", "<unk>", "a", "b", "c"]  # tie broken alphabetically
    assert vocab.encode(["a", "c", "zzz", "d"]) == [2, 4, UNK_ID, UNK_ID]
    assert vocab.decode([PAD_ID, UNK_ID, 3]) == ["<pad>", "<unk>", "b"]
    assert vocab.word_counts == {"a": 3, "b": 2, "c": 1}
    assert vocab.most_common(2) == [("a", 3), ("b", 2)]
    # the order of documents does not change the result
    assert Vocabulary.build(docs[::-1], max_words=5) == vocab


def test_vocabulary_smaller_corpus_than_max_words():
    vocab = Vocabulary.build([["x", "y"]], max_words=100)
    assert len(vocab) == 4
    with pytest.raises(ValueError):
        Vocabulary.build([["x"]], max_words=1)


def test_vocabulary_json_round_trip():
    vocab = Vocabulary.build([["the", "cat", "the", "mat"]], max_words=10)
    data = vocab.to_json()
    assert data == ["<pad>", "<unk>", "the", "cat", "mat"]
    assert Vocabulary.from_json(data) == vocab
    assert Vocabulary.from_json(json.dumps(data)) == vocab  # also from the serialised string
    assert Vocabulary.from_json(data).encode(["mat", "dog"]) == [4, 1]
    for bad in (["the", "cat"], {"words": []}, ["<pad>", "<unk>", 3], ["<pad>", "<unk>", "a", "a"]):
        with pytest.raises(ValueError):
            Vocabulary.from_json(bad)


def test_pad_sequences_front_padding_keeps_last_ids():
    seqs = [[5, 6, 7, 8, 9], [3, 4], [], [1, 2, 3]]
    out = pad_sequences(seqs, maxlen=3)
    assert out.dtype == np.int32
    assert out.tolist() == [[7, 8, 9], [0, 3, 4], [0, 0, 0], [1, 2, 3]]
    assert pad_sequences([[2]], maxlen=3, value=-1).tolist() == [[-1, -1, 2]]
    assert truncated(seqs, 3).tolist() == [True, False, False, False]
    assert pad_sequences([], maxlen=4).shape == (0, 4)
    with pytest.raises(ValueError):
        pad_sequences(seqs, maxlen=0)


def test_bag_of_words_hand_example():
    # three documents over a 6-id vocabulary; ids 0 (padding) and 1 (unknown) are not counted
    docs = [[2, 3, 3, 0, 0], [5, 1, 1, 4, 5, 5], [1]]
    binary = bag_of_words(docs, width=6)
    counts = bag_of_words(docs, width=6, binary=False)
    assert binary.shape == counts.shape == (3, 6)
    assert binary.dtype == counts.dtype == np.float32
    assert binary.toarray().tolist() == [[0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0]]
    assert counts.toarray().tolist() == [[0, 0, 1, 2, 0, 0], [0, 0, 0, 0, 1, 3], [0, 0, 0, 0, 0, 0]]
    assert binary.nnz == counts.nnz == 4
    assert density(binary) == pytest.approx(4 / 18)
    assert binary.has_sorted_indices


def test_bag_of_words_edges():
    assert bag_of_words([], width=4).shape == (0, 4)
    assert bag_of_words([[], []], width=4).nnz == 0
    assert density(bag_of_words([], width=4)) == 0.0
    with pytest.raises(ValueError):
        bag_of_words([[2, 9]], width=4)


def test_data_layer_imports_neither_textual_nor_rich():
    import subprocess
    import sys

    code = (
        "import sys, tutor.data, tutor.commands.data;"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
