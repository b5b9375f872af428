"""Line plots in the terminal: a figure described once, drawn in braille dots at the widget's size.

Drawn here rather than by plotext (which the tutor used first) for three reasons, each measured
or seen at the sizes a terminal gives a plot (5 to 40 rows):

- speed: plotext builds a figure cell by cell in Python and hands back escape codes that Rich
  parses again, 20-60 ms per plot; a key pressed while the dashboard redrew its plots waited for
  them. Here the dots are set with NumPy and each row is one string: a few milliseconds.
- the y axis: plotext's ticks fell between rows (a value of 0.694 drawn on the row labelled
  0.83), were unevenly spaced and had odd values (0.700, 0.625, 0.475). Here the range is chosen
  for the plot's rows: round, evenly spaced ticks (steps of 1, 2, 2.5 or 5 times a power of ten),
  each exactly on the row it labels; a spread of more than LOG_SPREAD (where asked) is drawn on a
  log scale with whole decades as ticks.
- the legend: plotext drew it inside the plot, over the start of the curves. Here it goes on the
  title line, above the frame, in the series' colours.

`CachedPlot` draws a `Figure` again only when the figure or its size change.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

RGB = tuple[int, int, int]
Colour = RGB | str  # an RGB triple or a Rich colour name ("blue", "dark_orange")
PALETTE: tuple[RGB, ...] = ((0, 130, 200), (230, 25, 75), (60, 180, 75), (245, 130, 48), (145, 30, 180), (70, 200, 200))
GREY: RGB = (128, 128, 128)
NICE = (1.0, 2.0, 2.5, 5.0)  # tick steps, times a power of ten
MAX_TICKS = 6
LOG_SPREAD = 100.0  # largest over smallest value beyond which an automatic axis turns logarithmic
POINT = "●"
# the bit of each dot of a braille cell, by (column, row from the top)
DOT_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.int64)
FRAME = Style(dim=True)


@dataclass
class Series:
    """One curve (or, with `points`, markers only) of a figure."""

    x: Sequence[float]
    y: Sequence[float]
    label: str = ""
    color: Colour | None = None  # None: the next colour of PALETTE
    points: bool = False  # a marker at each value (per-epoch validation figures) instead of a line


@dataclass
class Figure:
    """What a plot shows; `CachedPlot.show` draws it at the widget's size."""

    title: str = ""
    series: list[Series] = field(default_factory=list)
    ylim: tuple[float, float] | None = None  # a range to include (0..1 for accuracy); else the data's
    log_y: bool | None = False  # None: logarithmic when the values spread over more than LOG_SPREAD
    xticks: Sequence[float] | None = None  # None: round ticks chosen for the data; []: none
    xlabels: Sequence[str] | None = None
    xlim: tuple[float, float] | None = None
    clip_y: bool = False  # draw ylim exactly, cutting off what lies outside (ReLU climbing to 6)
    hlines: list[tuple[float, Colour]] = field(default_factory=list)
    note: str = ""  # shown inside an empty plot


@dataclass(frozen=True)
class Axis:
    """An axis fitted to a plot's rows (or columns): the range drawn, its ticks and their labels."""

    low: float
    high: float
    ticks: list[float]
    labels: list[str]
    log: bool = False


def finite_values(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def tick_label(value: float, step: float) -> str:
    """A tick value with as many decimals as the step needs ("0.25", "2.5", "10")."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if abs(step * 10**decimals - round(step * 10**decimals)) > 1e-9:  # 2.5, 0.25
        decimals += 1
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text  # not "-0.0"


def decade_label(exponent: int) -> str:
    """10**exponent as a learner reads it: "0.01", "1", "100", or "1e-6" for far decades."""
    if -3 <= exponent <= 3:
        return f"{10.0**exponent:.{max(0, -exponent)}f}"
    return f"1e{exponent}"


def linear_axis(low: float, high: float, rows: int, exact: bool = False) -> Axis:
    """Ticks for `rows` rows covering low..high: round steps, each tick on a row of its own.

    A value lands on row (y - bottom) / (top - bottom) · (rows - 1). With ticks every `k` rows,
    `step` apart, and the range `step · (rows - 1) / k`, every tick is exactly on its row. Of the
    (k, step) pairs whose range covers the data, the tightest wins (`exact`: a range given by the
    caller, such as 0..1 for accuracy, is kept when a pair fits it exactly).
    """
    if high <= low:
        pad = abs(low) * 0.1 or 0.5
        low, high = low - pad, high + pad
    m = rows - 1
    if m < 1:
        return Axis(low, high, [], [])
    best: tuple[float, int, float, float] | None = None  # (score, k, step, bottom)
    for k in range(1, m + 1):
        n_ticks = m // k + 1
        if n_ticks < 2 or n_ticks > MAX_TICKS:
            continue
        exponent = math.floor(math.log10((high - low) * k / m))
        for e in (exponent - 1, exponent, exponent + 1):
            found = False
            for nice in NICE:
                step = nice * 10.0**e
                bottom = math.floor(low / step + 1e-9) * step
                top = bottom + step * m / k
                if top < high - 1e-9 * max(1.0, abs(high)):
                    continue
                score = (top - bottom) / (high - low) + (0.5 if n_ticks < 3 else 0.0)
                if exact and abs(bottom - low) < 1e-9 and abs(top - high) < 1e-9:
                    score -= 0.15  # the caller's range exactly, unless that leaves only its two ends
                if best is None or score < best[0] - 1e-9:
                    best = (score, k, step, bottom)
                found = True
                break  # larger steps of this power of ten only widen the range
            if found:
                break
    if best is None:
        return Axis(low, high, [], [])
    _, k, step, bottom = best
    ticks = [bottom + i * step for i in range(m // k + 1)]
    return Axis(bottom, bottom + step * m / k, ticks, [tick_label(t, step) for t in ticks])


def log_axis(low: float, high: float, rows: int) -> Axis:
    """A log10 axis (low and high already log10): decades as ticks, each on a row of its own.

    Ticks every `every` decades, `k` rows apart: of the pairs whose range covers the data, the
    tightest, preferring a tick at every decade and at least three ticks.
    """
    m = rows - 1
    bottom, top = math.floor(low), math.ceil(high)
    if top == bottom:
        top += 1
    decades = top - bottom
    best: tuple[float, int, int] | None = None  # (score, every, k)
    for every in range(1, decades + 1):
        for k in range(1, m + 1):
            span = every * m / k
            n_ticks = m // k + 1
            if span < decades or n_ticks > MAX_TICKS or n_ticks < 2:
                continue
            score = span + 0.5 * (every - 1) + (0.5 if n_ticks < 3 else 0.0)
            if best is None or score < best[0]:
                best = (score, every, k)
    if best is None:
        return Axis(bottom, top, [], [], True)
    _, every, k = best
    ticks = [float(bottom + i * every) for i in range(m // k + 1)]
    return Axis(bottom, bottom + every * m / k, ticks, [decade_label(int(t)) for t in ticks], True)


def x_axis(low: float, high: float, columns: int) -> Axis:
    """Round x ticks for low..high, at most one per 8 columns and MAX_TICKS in all."""
    if high <= low:
        low, high = low - 0.5, high + 0.5
    most = max(2, min(MAX_TICKS, columns // 8))
    raw = (high - low) / (most - 1)
    e = math.floor(math.log10(raw))
    step = next((n * 10.0**e for n in (*NICE, 10.0) if n * 10.0**e >= raw), 10.0 ** (e + 1))
    first = math.ceil(low / step - 1e-9) * step
    ticks = [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]
    return Axis(low, high, ticks, [tick_label(t, step) for t in ticks])


def wants_log(values: Sequence[float]) -> bool:
    """True when positive values spread over more than LOG_SPREAD (a linear axis squashes the small ones)."""
    vals = finite_values(values)
    return bool(vals) and min(vals) > 0 and max(vals) / min(vals) > LOG_SPREAD


def colour_style(colour: Colour) -> Style:
    """The Rich style of a series' colour (the same in its curve, its legend and any caption)."""
    return Style(color=Color.parse(colour) if isinstance(colour, str) else Color.from_rgb(*colour))


def legend_text(title: str, entries: list[tuple[str, Colour, str]], width: int) -> list[Text]:
    """The title, then each series' marker and label in its colour: one line, or (when they do not
    fit in `width`) the entries that do not fit on further lines, none of them cut in two."""
    lines = [Text(no_wrap=True, overflow="ellipsis", end="")]
    lines[0].append(title, style="bold")
    for label, colour, marker in entries:
        piece = 2 + len(marker) + 1 + len(label)
        if len(lines[-1]) and len(lines[-1]) + piece > width:
            lines.append(Text(no_wrap=True, overflow="ellipsis", end=""))
        text = lines[-1]
        text.append("  ")
        text.append(marker, style=colour_style(colour) + Style(bold=True))
        text.append(" " + label)
    for text in lines:
        text.truncate(width, overflow="ellipsis")  # a single entry wider than the plot
    return lines


def _segments(xs: np.ndarray, ys: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Runs of consecutive finite points (a NaN breaks the line)."""
    ok = np.isfinite(xs) & np.isfinite(ys)
    runs, start = [], None
    for i, good in enumerate(ok):
        if good and start is None:
            start = i
        elif not good and start is not None:
            runs.append((xs[start:i], ys[start:i]))
            start = None
    if start is not None:
        runs.append((xs[start:], ys[start:]))
    return runs


def _line_pixels(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every dot on the straight lines between consecutive pixels (one NumPy pass, no loop)."""
    if len(px) == 1:
        return px.astype(np.int64), py.astype(np.int64)
    steps = np.maximum(np.abs(np.diff(px)), np.abs(np.diff(py))).astype(np.int64) + 1
    seg = np.repeat(np.arange(len(steps)), steps)
    starts = np.cumsum(steps) - steps
    t = (np.arange(int(steps.sum())) - starts[seg]) / steps[seg]
    x = np.append(px[seg] + (px[seg + 1] - px[seg]) * t, px[-1])
    y = np.append(py[seg] + (py[seg + 1] - py[seg]) * t, py[-1])
    return np.rint(x).astype(np.int64), np.rint(y).astype(np.int64)


def render_figure(figure: Figure, width: int, height: int) -> Text:
    """The figure drawn in `width` x `height` cells: title and legend, frame, y ticks, braille curves."""
    entries: list[tuple[str, Colour, str]] = []
    colours = iter(PALETTE)
    series: list[tuple[Series, Colour]] = [(s, s.color or next(colours, GREY)) for s in figure.series]
    for s, rgb in series:
        if s.label:
            entries.append((s.label, rgb, POINT if s.points else "━"))
    all_y = [v for s, _ in series for v in finite_values(s.y)]
    limits = list(figure.ylim) if figure.ylim is not None else []
    log = (wants_log(all_y + limits) if figure.log_y is None else bool(figure.log_y)) and bool(all_y)
    log = log and min(all_y + limits) > 0
    suffix = " (log scale)" if len(figure.title) + 12 <= width else " (log)"  # the short form where room is short
    lines = legend_text(figure.title + (suffix if log else ""), entries, width)
    if len(lines) > max(1, height // 4):  # a small plot keeps its room for the curves
        lines = lines[:1]
        lines[0].append("  …")  # the entries left out are said to be missing
        lines[0].truncate(width, overflow="ellipsis")
    legend_rows = len(lines)
    if height < 5 or width < 12:
        return Text("\n").join(lines)

    show_xticks = (figure.xticks is None and bool(all_y)) or bool(figure.xticks)
    rows = height - len(lines) - 2 - (1 if show_xticks else 0)
    axis: Axis | None = None
    if figure.clip_y and figure.ylim is not None:
        all_y = [y for y in all_y if figure.ylim[0] <= y <= figure.ylim[1]] or limits
        span = list(figure.ylim)
    else:
        span = all_y + limits
    if all_y:
        if log:
            logs = np.log10(np.array(span))
            axis = log_axis(float(logs.min()), float(logs.max()), rows)
        else:
            axis = linear_axis(min(span), max(span), rows, exact=figure.ylim is not None)
    label_width = max((len(label) for label in axis.labels), default=0) if axis else 0
    columns = width - label_width - 2
    if rows < 1 or columns < 4:
        return Text("\n").join(lines)

    # x range: the caller's, else the data's
    all_x = [float(x) for s, _ in series for x, y in zip(s.x, s.y, strict=False) if y is not None]
    if figure.xlim is not None:
        x_low, x_high = figure.xlim
    elif all_x:
        x_low, x_high = min(all_x), max(all_x)
    else:
        x_low, x_high = 0.0, 1.0
    if x_high <= x_low:
        x_low, x_high = x_low - 0.5, x_high + 0.5

    def column_of(x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - x_low) / (x_high - x_low) * (columns - 1)

    def row_of(y: np.ndarray) -> np.ndarray:  # from the bottom, in rows; ticks fall on whole rows
        assert axis is not None
        return (np.asarray(y, dtype=float) - axis.low) / (axis.high - axis.low) * (rows - 1)

    bits = np.zeros((rows, columns), dtype=np.int64)
    colour = np.full((rows, columns), -1, dtype=np.int64)
    marks: dict[tuple[int, int], int] = {}  # (row, column) -> colour index of a point marker
    rgbs: list[Colour] = []

    def plot_dots(px: np.ndarray, py: np.ndarray, index: int) -> None:
        keep = (px >= 0) & (px < 2 * columns) & (py >= 0) & (py < 4 * rows)
        px, py = px[keep], py[keep]
        cell_row = rows - 1 - py // 4
        cell_col = px // 2
        np.bitwise_or.at(bits, (cell_row, cell_col), DOT_BITS[px % 2, 3 - py % 4])
        colour[cell_row, cell_col] = index

    if axis is not None:
        for y, rgb in figure.hlines:
            if log and y <= 0:
                continue
            rgbs.append(rgb)
            py = np.rint(row_of(np.array([math.log10(y) if log else y])) * 4 + 1.5).astype(np.int64)
            px = np.arange(2 * columns, dtype=np.int64)
            plot_dots(px, np.repeat(py, len(px)), len(rgbs) - 1)
        for s, rgb in sorted(series, key=lambda item: item[0].points):  # markers over lines
            rgbs.append(rgb)
            xs = np.asarray([float(x) for x in s.x[: len(s.y)]], dtype=float)
            ys = np.asarray([np.nan if v is None else float(v) for v in s.y[: len(xs)]], dtype=float)
            if log:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ys = np.where(ys > 0, np.log10(ys), np.nan)
            for seg_x, seg_y in _segments(xs, ys):
                cx, cy = column_of(seg_x), row_of(seg_y)
                if s.points:
                    for c, r in zip(np.rint(cx).astype(int), np.rint(cy).astype(int), strict=True):
                        if 0 <= c < columns and 0 <= r < rows:
                            marks[(rows - 1 - r, c)] = len(rgbs) - 1
                else:
                    px, py = _line_pixels(np.rint(cx * 2 + 0.5), np.rint(cy * 4 + 1.5))
                    plot_dots(px, py, len(rgbs) - 1)

    styles = [colour_style(c) for c in rgbs]
    tick_rows: dict[int, str] = {}
    if axis is not None:
        for tick, label in zip(axis.ticks, axis.labels, strict=True):
            tick_rows[rows - 1 - int(round(float(row_of(np.array(tick)))))] = label
    pad = " " * label_width
    lines.append(Text(pad + "┌" + "─" * columns + "┐", style=FRAME, end=""))
    for r in range(rows):
        line = Text(end="")
        tick_label_here = tick_rows.get(r)
        line.append((tick_label_here or "").rjust(label_width))
        line.append("┤" if tick_label_here is not None else "│", style=FRAME)
        cells = np.where(bits[r] > 0, 0x2800 + bits[r], 32)
        chars = [chr(c) for c in cells]
        owners = colour[r].copy()
        for (mr, mc), index in marks.items():
            if mr == r:
                chars[mc] = POINT
                owners[mc] = index
        start = 0
        for c in range(1, columns + 1):
            if c == columns or owners[c] != owners[start]:
                owner = int(owners[start])
                line.append("".join(chars[start:c]), style=styles[owner] if owner >= 0 else None)
                start = c
        line.append("│", style=FRAME)
        lines.append(line)

    bottom = ["─"] * columns
    labels_line = [" "] * (width + 1)
    if show_xticks:
        ticks = list(figure.xticks) if figure.xticks is not None else x_axis(x_low, x_high, columns).ticks
        names = (
            list(figure.xlabels)
            if figure.xlabels is not None
            else x_axis(x_low, x_high, columns).labels
            if figure.xticks is None
            else [tick_label(t, _step_of(ticks)) for t in ticks]
        )
        free_from = 0
        for tick, name in zip(ticks, names, strict=False):
            c = int(round(float(column_of(np.array(tick)))))
            if not 0 <= c < columns:
                continue
            bottom[c] = "┬"
            at = label_width + 1 + c - len(name) // 2
            at = max(0, min(at, width - len(name)))
            if at >= free_from:
                labels_line[at : at + len(name)] = list(name)
                free_from = at + len(name) + 1
    lines.append(Text(pad + "└" + "".join(bottom) + "┘", style=FRAME, end=""))
    if show_xticks:
        lines.append(Text("".join(labels_line[:width]).rstrip(), end=""))
    if figure.note and not all_y:
        middle = legend_rows + 1 + rows // 2
        note = figure.note[:columns]
        text = Text(pad + "│", style=FRAME, end="")
        text.append(note.center(columns), style="dim italic")
        text.append("│", style=FRAME)
        lines[middle] = text
    return Text("\n").join(lines)


def _step_of(ticks: Sequence[float]) -> float:
    """The spacing of evenly spaced ticks (for their labels' decimals)."""
    diffs = [b - a for a, b in zip(ticks, ticks[1:], strict=False) if b > a]
    return min(diffs) if diffs else 1.0


class CachedPlot(Widget):
    """A plot of a `Figure`, drawn again only when the figure or the widget's size change."""

    DEFAULT_CSS = """
    CachedPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._version = 0
        self._cache_key: tuple[Any, ...] | None = None
        self._cache = Text()
        self.figure = Figure()
        self.figure_title = ""  # the title last drawn (what tests and views can read back)
        self.build_seconds = 0.0  # what the last drawing cost (the dashboard spaces redraws by it)

    def show(self, figure: Figure) -> None:
        """Draw `figure` at the next paint."""
        self.figure = figure
        self.figure_title = figure.title
        self._version += 1
        self.refresh()

    def render(self) -> Text:
        key = (self._version, self.size)
        if key != self._cache_key:
            started = time.perf_counter()
            self._cache = render_figure(self.figure, self.size.width, self.size.height)
            self._cache_key = key
            self.build_seconds = time.perf_counter() - started
        return self._cache


def int_ticks(n: int, most: int = 5) -> list[int]:
    """At most `most` whole-number ticks from 1 to n (epochs and time steps are counts)."""
    if n <= most:
        return list(range(1, n + 1))
    return sorted({round(1 + i * (n - 1) / (most - 1)) for i in range(most)})


def plot_series(
    plot: CachedPlot,
    title: str,
    series: list[tuple[str, list[float]]],
    ylim: tuple[float, float] | None = None,
    log_y: bool | None = False,
) -> None:
    """Draw (label, values-per-1..n) series with whole-number x ticks."""
    longest = max((len(values) for _, values in series), default=0)
    plot.show(
        Figure(
            title,
            [Series(list(range(1, len(values) + 1)), values, label) for label, values in series],
            ylim=ylim,
            log_y=log_y,
            xticks=[float(t) for t in int_ticks(longest)] if longest else [],
            xlabels=[str(t) for t in int_ticks(longest)] if longest else None,
        )
    )


def log10_norms(row: Any) -> list[float]:
    """log10 of gradient norms (tiny floor: a norm of exactly 0 has no logarithm)."""
    logs: list[float] = np.log10(np.maximum(np.asarray(row, dtype=float), 1e-12)).tolist()
    return logs


def plot_levels(
    plot: CachedPlot, title: str, levels: list[tuple[str, float]], ylim: tuple[float, float] | None = None
) -> None:
    """One horizontal line per (label, value): a single final figure, such as a baseline's R²."""
    plot.show(
        Figure(title, [Series([0.0, 1.0], [value, value], label) for label, value in levels], ylim=ylim, xticks=[])
    )
