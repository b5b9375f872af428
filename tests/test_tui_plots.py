"""The braille plots: round, evenly spaced y ticks exactly on their rows; the legend off the curves; log scale."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutor.tui.widgets.plots import Figure, Series, linear_axis, log_axis, render_figure

NICE = {1.0, 2.0, 2.5, 5.0}


def is_round(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(abs(mantissa - n) < 1e-9 for n in NICE)


@pytest.mark.parametrize("rows", range(3, 40))
@pytest.mark.parametrize("low,high", [(0.694, 0.83), (0.0021, 0.76), (-3.2, 0.41), (12.0, 5000.0), (0.5, 0.5)])
def test_ticks_are_round_evenly_spaced_and_each_on_its_own_row(rows, low, high):
    axis = linear_axis(low, high, rows)
    assert axis.low <= min(low, high) and axis.high >= max(low, high)  # the data fits
    assert 2 <= len(axis.ticks) <= 6
    steps = np.diff(axis.ticks)
    assert np.allclose(steps, steps[0]) and is_round(steps[0])
    positions = [(t - axis.low) / (axis.high - axis.low) * (rows - 1) for t in axis.ticks]
    assert all(abs(p - round(p)) < 1e-6 for p in positions)  # exactly on a row, not between two
    assert len({round(p) for p in positions}) == len(positions)


@pytest.mark.parametrize("rows", range(3, 40))
def test_log_ticks_are_whole_decades_on_their_rows(rows):
    axis = log_axis(math.log10(0.0019), math.log10(23.1), rows)  # lesson 5's three learning rates
    assert axis.low <= math.log10(0.0019) and axis.high >= math.log10(23.1)
    assert all(float(t).is_integer() for t in axis.ticks)
    positions = [(t - axis.low) / (axis.high - axis.low) * (rows - 1) for t in axis.ticks]
    assert all(abs(p - round(p)) < 1e-6 for p in positions)


def lines_of(figure: Figure, width: int, height: int) -> list[str]:
    return render_figure(figure, width, height).plain.split("\n")


@pytest.mark.parametrize("height", [7, 9, 12, 20, 40])
def test_a_value_is_drawn_on_the_row_its_tick_names(height):
    # a flat line at 0.5 among data from 0 to 1: it must be drawn on the row labelled 0.50 (or 0.5)
    figure = Figure("t", [Series([0, 1], [0.0, 1.0]), Series([0, 1], [0.5, 0.5], color=(1, 2, 3))], xticks=[])
    lines = lines_of(figure, 40, height)
    assert len(lines) == height
    for line in lines[2:-1]:
        label, tick, body = line.partition("┤")
        if tick and float(label) == 0.5:
            assert sum("\u2801" <= ch <= "\u28ff" for ch in body) > 30  # the flat line runs along it
            break
    else:
        pytest.skip("0.5 is not a tick at this height")


def test_the_legend_is_on_the_title_line_not_over_the_curves():
    figure = Figure(
        "loss", [Series([0, 1, 2], [0.9, 0.5, 0.1], "train"), Series([1, 2], [0.8, 0.4], "val", points=True)]
    )
    lines = lines_of(figure, 40, 9)
    assert lines[0].startswith("loss") and "━ train" in lines[0] and "● val" in lines[0]
    assert not any("train" in line or "val" in line for line in lines[1:])


def test_a_wide_spread_turns_logarithmic_when_asked():
    losses = {"0.001": [0.76, 0.7], "0.3": [0.24, 0.002], "10": [15.3, 23.1]}
    series = [Series([1, 2], v, f"ρ={k}") for k, v in losses.items()]
    auto = lines_of(Figure("loss", series, log_y=None), 60, 14)
    assert "(log scale)" in auto[0]
    labels = [line.partition("┤")[0].strip() for line in auto[2:-2] if "┤" in line]
    assert set(labels) <= {"0.001", "0.01", "0.1", "1", "10", "100", "1000"}
    assert "(log scale)" not in lines_of(Figure("loss", series, log_y=False), 60, 14)[0]


def test_tiny_sizes_and_empty_figures_draw_without_error():
    for width, height in [(1, 1), (8, 3), (12, 5), (20, 6)]:
        render_figure(Figure("x", [Series([1], [float("nan")])]), width, height)
    empty = lines_of(Figure("nothing yet", note="no run yet"), 40, 9)
    assert "no run yet" in "\n".join(empty)


def test_a_legend_too_long_for_one_line_goes_on_to_a_second_none_cut():
    # lesson 10's autocorrelation at 80 columns ended in "━ DJ_…"
    names = ["log_volume", "log_volatility", "DJ_return"]
    figure = Figure("r(k) against the lag k in trading days", [Series([1, 2], [0.5, 0.4], n) for n in names])
    lines = lines_of(figure, 74, 18)
    assert "…" not in lines[0] + lines[1]
    assert "━ log_volume" in lines[0] and "━ DJ_return" in lines[1] and lines[2].lstrip().startswith("┌")
    assert len(lines) == 18  # the curves gave up one row for it
    one_line = lines_of(figure, 140, 18)
    assert "━ DJ_return" in one_line[0] and one_line[1].lstrip().startswith("┌")
    small = lines_of(figure, 74, 6)  # too small to spare a row: the legend is cut instead
    assert small[1].lstrip().startswith("┌") and "…" in small[0]


def test_a_narrow_log_plot_says_log_in_fewer_letters():
    figure = Figure("last epoch ‖∂L/∂hₜ‖ by t", [Series([1, 2, 3], [1e-6, 1e-4, 1e-2])], log_y=True)
    assert lines_of(figure, 60, 10)[0] == "last epoch ‖∂L/∂hₜ‖ by t (log scale)"
    assert lines_of(figure, 30, 10)[0] == "last epoch ‖∂L/∂hₜ‖ by t (log)"
