"""A word <-> id mapping of the most frequent words, with reserved ids for padding and unknowns."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat

PAD_ID = 0
UNK_ID = 1
PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"
RESERVED = (PAD_TOKEN, UNK_TOKEN)


class Vocabulary:
    """Ids 0 (padding) and 1 (unknown), then words from most to least frequent.

    ``max_words`` counts *every* id, the two reserved ones included (as Keras' ``num_words``
    with an out-of-vocabulary token does): ``max_words=10000`` gives ids 0..9999, 9,998 words.
    A model's embedding table and a bag-of-words matrix are then exactly ``len(vocab)`` wide.
    """

    def __init__(self, words: Sequence[str], word_counts: dict[str, int] | None = None) -> None:
        self.words: list[str] = list(RESERVED) + [w for w in words]
        self.index: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("vocabulary words must be unique and must not be reserved tokens")
        # counts of the kept words in the corpus it was built from (empty when loaded from JSON)
        self.word_counts: dict[str, int] = dict(word_counts or {})

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], max_words: int = 10000) -> Vocabulary:
        """Keep the ``max_words - 2`` most frequent tokens; ties go to the alphabetically first."""
        if max_words < len(RESERVED):
            raise ValueError(f"max_words must be at least {len(RESERVED)}, got {max_words}")
        counts: Counter[str] = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        for token in RESERVED:
            counts.pop(token, None)
        # sort by (-count, word): the order never depends on the corpus order or hash seeds
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: max_words - len(RESERVED)]
        return cls([w for w, _ in ranked], {w: c for w, c in ranked})

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Map tokens to ids; words outside the vocabulary become the unknown id 1."""
        return list(map(self.index.get, tokens, repeat(UNK_ID)))  # the loop runs in C

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Map ids back to words (``<pad>`` and ``<unk>`` for the reserved ids)."""
        words = self.words
        return [words[int(i)] for i in ids]

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """The ``n`` most frequent kept words with their counts (empty if loaded from JSON)."""
        ranked = [(w, self.word_counts[w]) for w in self.words[2:] if w in self.word_counts]
        return ranked if n is None else ranked[:n]

    def to_json(self) -> list[str]:
        """The words in id order (reserved ones first): a JSON-ready list for model files."""
        return list(self.words)

    @classmethod
    def from_json(cls, data: list[str] | str) -> Vocabulary:
        """Rebuild from :meth:`to_json`'s list (or that list serialised as a JSON string)."""
        words = json.loads(data) if isinstance(data, str) else data
        if (
            not isinstance(words, list)
            or words[: len(RESERVED)] != list(RESERVED)
            or not all(isinstance(w, str) for w in words)
        ):
            raise ValueError(f"not a saved vocabulary: expected a list of words starting with {list(RESERVED)}")
        return cls(words[len(RESERVED) :])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.words == other.words

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} ids)"
