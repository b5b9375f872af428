"""Reviews from a byte stream, one per line, tokenised as they arrive, in bounded memory.

A line is what ends in ``\\n`` (a ``\\r`` before it is dropped; a last line without one still
counts). Nothing else ends a line: U+0085, form feeds and the other separators that
``str.splitlines`` breaks at are ordinary characters inside a review. A line of any length is
read in pieces and tokenised piece by piece, keeping only its last ``keep`` words and the count
of all of them, so a 50 MB line costs a few MB, not its size several times over.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from tutor.data.text import tokenize
from tutor.errors import TutorError

PIECE = 1 << 20  # bytes read at a time from one line
LONGEST_WORD = 256  # characters kept of a "word" longer than `hold` (no vocabulary has one)

# A piece may be cut after a character that can end no word: not a letter or digit, and not an
# apostrophe, which joins "don't" (curly ones too: the tokenizer folds them into "'").
_SEPARATOR = r"(?:[^\w'\u2018\u2019\u02bc]|_)"
_FIRST_SEPARATOR = re.compile(_SEPARATOR)
_LAST_SEPARATOR = re.compile(r"(?s:.*)" + _SEPARATOR)
# ... unless it leaves an HTML break open at the end ("<", "<br ", "<br /"): it becomes a space
_OPEN_BREAK = re.compile(r"<(?:br\s*/?\s*)?\Z", re.IGNORECASE)


@dataclass
class Review:
    """One input line: its number (from 1), its last ``keep`` words, and how many words it has."""

    line: int
    words: list[str]
    n_words: int


class NotUtf8(TutorError):
    """A line that is not UTF-8 text; the message names the line and the byte."""


class _LineWords:
    """The words of one line, fed piece by piece."""

    def __init__(self, keep: int) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.keep = keep
        self.words: list[str] = []
        self.n_words = 0
        self.text = ""  # decoded text not yet tokenised (it may end inside a word)
        self.giant = False  # inside a word longer than `hold`: its rest is skipped

    def _add(self, words: list[str]) -> None:
        self.n_words += len(words)
        self.words.extend(words[-self.keep :])
        if len(self.words) > 2 * self.keep:  # trimmed now and then, not per piece
            del self.words[: -self.keep]

    def feed(self, text: str, limit: int) -> None:
        """Add decoded text; tokenise all of it that can be, once more than ``limit`` is waiting."""
        if self.giant:  # skip the rest of a giant word, up to its first separator
            first = _FIRST_SEPARATOR.search(text)
            if first is None:
                return
            text = text[first.start() :]
            self.giant = False
        self.text += text
        if len(self.text) <= limit:
            return
        cut_at = self._safe_cut()
        if cut_at > 0:
            self._add(tokenize(self.text[:cut_at]))
            self.text = self.text[cut_at:]
        if len(self.text) > limit:  # one word longer than `limit`: keep its start, skip the rest
            self._add(tokenize(self.text[:LONGEST_WORD]))
            self.text = ""
            self.giant = True

    def _safe_cut(self) -> int:
        """The end of the longest prefix that tokenises on its own (0 if none)."""
        text = self.text
        end = len(text)
        while end > 0:
            m = _LAST_SEPARATOR.match(text, 0, end)
            if m is None:
                return 0
            if not _OPEN_BREAK.search(text, max(0, m.end() - 64), m.end()):
                return m.end()
            end = m.end() - 1
        return 0

    def finish(self) -> tuple[list[str], int]:
        if not self.giant:
            self._add(tokenize(self.text))
        self.text = ""
        return self.words[-self.keep :], self.n_words


def read_reviews(
    stream: BinaryIO, keep: int, name: str = "the input", piece: int = PIECE, hold: int = PIECE
) -> Iterator[Review]:
    """Yield each line of ``stream`` as a Review as soon as its ``\\n`` arrives.

    Lines are read ``piece`` bytes at a time; once more than ``hold`` characters of a line wait,
    the words among them are counted and only the last ``keep`` kept. A "word" longer than
    ``hold`` characters (no vocabulary has one) is kept as its first LONGEST_WORD characters.

    Raises NotUtf8 (naming ``name``, the line and the byte) at the first line that is not UTF-8.
    """
    hold = max(hold, LONGEST_WORD)
    number = 0
    while True:
        number += 1
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        line = _LineWords(keep)
        offset = 0  # bytes of this line read so far
        pending_cr = False  # a piece ended in "\r": it is dropped only if "\n" follows
        ended = False
        while True:
            chunk = stream.readline(piece)
            if not chunk:
                break
            ended = chunk.endswith(b"\n")
            if ended:
                chunk = chunk[:-1]
                if chunk.endswith(b"\r"):
                    chunk = chunk[:-1]
                elif pending_cr and not chunk:
                    pending_cr = False  # the "\r" held back belonged to this line ending
            data = (b"\r" if pending_cr else b"") + chunk
            pending_cr = not ended and data.endswith(b"\r")
            if pending_cr:
                data = data[:-1]
            if number == 1 and offset == 0 and data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]  # a byte-order mark some editors write
            try:
                text = decoder.decode(data, final=ended)
            except UnicodeDecodeError as exc:
                raise NotUtf8(
                    f"{name} is not UTF-8 text (line {number}, byte {offset + exc.start + 1}): convert it to UTF-8"
                ) from None
            offset += len(data)
            line.feed(text, hold)
            if ended:
                break
        if not ended:
            if offset == 0 and not pending_cr:
                return  # the end of the stream, after the last "\n"
            try:
                line.feed(decoder.decode(b"\r" if pending_cr else b"", final=True), hold)
            except UnicodeDecodeError:
                raise NotUtf8(
                    f"{name} is not UTF-8 text (line {number}, byte {offset + 1}): convert it to UTF-8"
                ) from None
        words, n_words = line.finish()
        yield Review(number, words, n_words)
        if not ended:
            return
