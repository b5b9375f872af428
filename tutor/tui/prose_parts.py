"""A lesson's Markdown made ready for the screen: cut into parts that the lesson screen mounts one
a frame (a whole lesson is hundreds of widgets: a second or more to build while a run trains),
with its unlabelled code blocks labelled as plain text."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

# Blocks with no top margin: a cut just before one leaves the spacing as it was, because the part
# above keeps its last block's bottom margin. (Headings and code blocks have a top margin, which a
# cut before them would add to the bottom margin above: a blank line too many.)
CUT_BEFORE = frozenset({"paragraph_open", "bullet_list_open", "ordered_list_open", "table_open"})


def _blocks(markdown: str) -> list[Token]:
    """The block tokens of `markdown` (inline parsing is left to the Markdown widget: it is most
    of the time a parse takes)."""
    return MarkdownIt("gfm-like").disable("inline").parse(markdown)


def _plain(source: list[str], tokens: list[Token]) -> None:
    """Mark each code block of `source` that names no language as text. Unmarked, Textual has
    Pygments guess the language: a diagram or a table of numbers comes out in colours, and the
    first guess loads every lexer Pygments has (0.2 s, while the lesson opens)."""
    for token in tokens:
        if token.type == "fence" and not token.info.strip() and token.map is not None:
            line = source[token.map[0]]
            body = line.rstrip("\r\n")
            source[token.map[0]] = body + "text" + line[len(body) :]


def plain_fences(markdown: str) -> str:
    """`markdown` with each code block that names no language marked as text (see `_plain`)."""
    source = markdown.splitlines(keepends=True)
    _plain(source, _blocks(markdown))
    return "".join(source)


def prose_parts(markdown: str, first_lines: int, lines: int) -> list[str]:
    """`markdown` cut between its top-level blocks: a first part of at least `first_lines` source
    lines, then parts of at least `lines` each; code blocks that name no language marked as text."""
    source = markdown.splitlines(keepends=True)
    tokens = _blocks(markdown)
    _plain(source, tokens)
    starts = [t.map[0] for t in tokens if t.level == 0 and t.map is not None and t.type in CUT_BEFORE]
    parts: list[str] = []
    begin, budget = 0, first_lines
    for start in starts:
        if start - begin >= budget:
            parts.append("".join(source[begin:start]))
            begin, budget = start, lines
    parts.append("".join(source[begin:]))
    return parts
