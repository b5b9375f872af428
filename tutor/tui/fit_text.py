"""Narrow a block of printed text (a table a learner's code printed) to a width, keeping it aligned."""

from __future__ import annotations


def _is_rule(line: str) -> bool:
    """A line of one repeated character, such as a table's ─── or ═══ rule."""
    body = line.strip()
    return len(body) >= 3 and len(set(body)) == 1


def fit_columns(lines: list[str], width: int) -> list[str]:
    """`lines` narrowed to `width` by taking out spaces that are blank in every line.

    A table such as `summary()` prints (72 wide) would otherwise wrap in a panel of 70: every
    row broken in two. Only columns that are spaces in all non-rule lines are removed, at most
    all but one of each run, widest runs first, so the columns stay aligned; rule lines lose
    the same positions. Text that cannot be narrowed enough is returned as narrow as it got.
    """
    longest = max((len(line) for line in lines), default=0)
    if longest <= width or width <= 0:
        return lines
    rows = [line.ljust(longest) for line in lines]
    text_rows = [row for row, line in zip(rows, lines, strict=True) if not _is_rule(line)] or rows
    blank = [all(row[c] == " " for row in text_rows) for c in range(longest)]
    runs: list[list[int]] = []  # the columns of each run of blank columns
    for c, is_blank in enumerate(blank):
        if is_blank and runs and runs[-1][-1] == c - 1:
            runs[-1].append(c)
        elif is_blank:
            runs.append([c])
    excess = longest - width
    removable = [run[1:] for run in runs if len(run) > 1]  # keep one space in every gap
    drop: set[int] = set()
    while excess > 0 and any(removable):
        widest = max(removable, key=len)
        drop.add(widest.pop())
        excess -= 1
    return ["".join(ch for c, ch in enumerate(row) if c not in drop).rstrip() for row in rows]
