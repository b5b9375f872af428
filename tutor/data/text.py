"""Tokenising reviews as the course (Keras-style) does: lower-case words, no punctuation."""

from __future__ import annotations

import re

# IMDb reviews carry HTML line breaks ("<br /><br />"); they separate sentences, so become a space.
_BREAK = re.compile(r"<br\s*/?\s*>", re.IGNORECASE)
# Curly apostrophes appear in pasted text; fold them so "don’t" and "don't" are one word.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# A word: letters or digits (any script, but not "_"), optionally joined by inner apostrophes.
# Punctuation is dropped, as Keras' Tokenizer filters do; apostrophes survive only *inside* a word
# ("don't", "director's"), so quoting apostrophes ("'great'") do not create new vocabulary entries.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def tokenize(text: str) -> list[str]:
    """Split a review into lower-case word tokens, dropping punctuation and HTML line breaks."""
    text = _BREAK.sub(" ", text).translate(_APOSTROPHES).lower()
    return _WORD.findall(text)
