"""Lesson 7, backpropagation through time: the shortcuts its code exercises must reject, the
figures it quotes, the figures its checks draw (live and in the verdict), and its screen at 80x24."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import pytest
from test_tui_support import check_code, lesson_built, run_async

from tutor.course import CheckResult, Exercise, load_lessons
from tutor.course.checking import run_code, run_codes


@cache
def _lesson():
    return next(lesson for lesson in load_lessons() if lesson.id == "bptt")


def _ex(ex_id: str) -> Exercise:
    return _lesson().exercise(ex_id)


def _variant(ex_id: str, old: str, new: str) -> str:
    """The exercise's solution with one piece changed: a plausible wrong or lazy answer."""
    source = _ex(ex_id).solution
    assert old in source, f"{ex_id}: the solution no longer has {old!r}"
    return source.replace(old, new)


FD_BACKWARD = """
import numpy as np

def _last(x, W, U, b):
    h = np.zeros((x.shape[0], U.shape[0]))
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W + h @ U + b)
    return h

def rnn_backward(x, hs, W, U, b, dh_last, eps=1e-5):
    x, W, U, b = (np.array(a, dtype=float) for a in (x, W, U, b))
    out = []
    for a in (W, U, b, x):
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            up = np.sum(_last(x, W, U, b) * dh_last)
            a[i] = old - eps
            down = np.sum(_last(x, W, U, b) * dh_last)
            a[i] = old
            g[i] = (up - down) / (2 * eps)
        out.append(g)
    return tuple(out)
"""

COMPLEX_STEP = (
    FD_BACKWARD.replace("x, W, U, b = (np.array(a, dtype=float)", "x, W, U, b = (np.array(a, dtype=complex)")
    .replace(
        """            a[i] = old + eps
            up = np.sum(_last(x, W, U, b) * dh_last)
            a[i] = old - eps
            down = np.sum(_last(x, W, U, b) * dh_last)
            a[i] = old
            g[i] = (up - down) / (2 * eps)""",
        """            a[i] = old + 1e-30j
            g[i] = np.sum(_last(x, W, U, b) * dh_last).imag / 1e-30
            a[i] = old""",
    )
    .replace("g = np.zeros_like(a)", "g = np.zeros(a.shape)")
)

SEQ_FD = (
    FD_BACKWARD.replace(
        "def rnn_backward(x, hs, W, U, b, dh_last, eps=1e-5):", "def rnn_backward_seq(x, hs, W, U, b, dhs, eps=1e-5):"
    ).replace("np.sum(_last(x, W, U, b) * dh_last)", "np.sum(_all(x, W, U, b) * dhs)")
    + """
def _all(x, W, U, b):
    h = np.zeros((x.shape[0], U.shape[0]))
    hs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W + h @ U + b)
        hs.append(h)
    return np.stack(hs, axis=1)
"""
)

ENGINE_BACKWARD = """
import numpy as np
from tutor.engine import SimpleRNN

def rnn_backward(x, hs, W, U, b, dh_last):
    layer = SimpleRNN(U.shape[0], input_dim=W.shape[0], dtype=np.float64)
    for k, v in zip("WUb", (W, U, b)):
        layer.params[k][...] = v
    layer.forward(x)
    dx = layer.backward(dh_last)
    return layer.grads["W"], layer.grads["U"], layer.grads["b"], dx
"""


def _cases() -> dict[str, list[tuple[str, str, str]]]:
    """exercise id -> [(what the learner tried, source, phrases the verdict must contain one of, "|" between)]

    Finite differences are rejected twice over: on the large case they take far longer than the
    time limit, and on the small ones they miss the 1e-10 (see test_finite_differences_...)."""
    return {
        "bptt-last": [
            ("the engine's backward pass", ENGINE_BACKWARD, "`tutor.engine` is not available here"),
            ("central finite differences", FD_BACKWARD, "close but not exact|took longer than"),
            ("complex-step differences (exact, one forward pass per number)", COMPLEX_STEP, "took longer than"),
            (
                "no tanh derivative",
                _variant("bptt-last", "delta = g * (1.0 - h * h)", "delta = g"),
                "is off",
            ),
            (
                "hₜ instead of hₜ₋₁ in U's share",
                _variant("bptt-last", "dU += h_prev.T @ delta", "dU += h.T @ delta"),
                "dU is off",
            ),
        ],
        "bptt-every-step": [
            (
                "the engine's backward pass",
                ENGINE_BACKWARD.replace(
                    "rnn_backward(x, hs, W, U, b, dh_last)", "rnn_backward_seq(x, hs, W, U, b, dhs)"
                ),
                "`tutor.engine` is not available here",
            ),
            ("central finite differences", SEQ_FD, "close but not exact|took longer than"),
            (
                "only the last step's error",
                _variant(
                    "bptt-every-step",
                    "g = dhs[:, t] + from_later",
                    "g = (dhs[:, t] if t == T - 1 else 0.0) + from_later",
                ),
                "looked at the last state only",
            ),
        ],
        "bptt-fd-check": [
            (
                "the engine's differences",
                "from tutor.engine import numerical_gradient\n" + _ex("bptt-fd-check").solution,
                "`tutor.engine` is not available here",
            ),
            (
                "the exact gradient instead of differences",
                _variant(
                    "bptt-fd-check",
                    "def numerical_gradient(x, W, U, b, R, eps):\n",
                    "def numerical_gradient(x, W, U, b, R, eps):\n"
                    "    hs = np.stack([last_state(x[:, : t + 1], W, U, b) for t in range(x.shape[1])], axis=1)\n"
                    "    return rnn_backward(x, hs, W, U, b, R)\n",
                ),
                "is the exact derivative, not a finite difference",
            ),
            (
                "one-sided differences",
                _variant(
                    "bptt-fd-check",
                    "g[i] = (up - down) / (2 * eps)",
                    "g[i] = (up - probe_loss(x, W, U, b, R)) / eps",
                ),
                "one-sided differences",
            ),
            (
                "nudged entries not put back",
                _variant("bptt-fd-check", "            a[i] = old  # put it back before the next one\n", ""),
                "put every nudged entry back",
            ),
        ],
        "own-training-loop": [
            (
                "the engine trains it",
                "from tutor.engine import Sequential\n" + _ex("own-training-loop").solution,
                "`tutor.engine` is not available here",
            ),
            (
                "no clipping",
                _variant("own-training-loop", "scale = max_norm / norm if norm > max_norm else 1.0", "scale = 1.0"),
                "is the clipping right?",
            ),
            (
                "each array clipped on its own",
                _variant(
                    "own-training-loop",
                    "            params[k] -= lr * scale * grads[k]",
                    "            n = np.sqrt(np.sum(grads[k] ** 2))\n"
                    "            params[k] -= lr * (max_norm / n if n > max_norm else 1.0) * grads[k]",
                ),
                "is the clipping right?",
            ),
            (
                "losses made up",
                _variant("own-training-loop", "losses.append(loss)", "losses.append(0.7 / (1 + len(losses)))"),
                "batch 1's loss",
            ),
            (
                "each loss taken after its step",
                _variant(
                    "own-training-loop",
                    "        losses.append(loss)",
                    "        losses.append(loss_and_grads(params, x[batch], y[batch])[0])",
                ),
                "batch 1's loss",
            ),
            (
                "the output's gradient not divided by the batch size",
                _variant("own-training-loop", "dz = (p - y) / len(y)", "dz = p - y"),
                "are the gradients right?",
            ),
        ],
    }


CASES = _cases()


@cache
def _verdicts() -> dict[str, list[CheckResult]]:
    def judge(ex_id: str) -> list[CheckResult]:
        return run_codes(_ex(ex_id), [source for _, source, _ in CASES[ex_id]])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(judge, CASES), strict=True))


def test_every_code_exercise_of_the_lesson_has_shortcuts_listed():
    assert set(CASES) == {ex.id for ex in _lesson().exercises if ex.kind == "code"}


@pytest.mark.parametrize(("ex_id", "k"), [(ex_id, k) for ex_id, cases in CASES.items() for k in range(len(cases))])
def test_shortcuts_and_slips_fail_and_say_why(ex_id: str, k: int):
    what, _, phrase = CASES[ex_id][k]
    verdict = _verdicts()[ex_id][k]
    assert not verdict.passed, f"{ex_id}: {what} passes"
    text = " ".join([verdict.message, *verdict.details])
    assert any(p in text for p in phrase.split("|")), f"{ex_id}: {what}: {text}"


# -- the figures the lesson quotes ------------------------------------------------------------------


def _prose() -> str:
    return " ".join(_lesson().body_markdown.split())


def test_the_by_hand_quiz_figures_are_the_engines():
    """Quiz "Two steps, by hand": every number of its solution and explanation, from the engine."""
    from tutor.engine import SimpleRNN

    layer = SimpleRNN(1, input_dim=1, return_sequences=True, dtype=np.float64)
    for k, v in (("W", 1.0), ("U", 0.5), ("b", 0.0)):
        layer.params[k][...] = v
    x = np.array([[[1.0], [0.0]]])
    hs = layer.forward(x)[0, :, 0]
    dh = np.zeros((1, 2, 1))
    dh[0, 1, 0] = 1.0  # L = h2
    layer.backward(dh)
    ex = _ex("bptt-by-hand")
    text = ex.solution + ex.explanation
    for value in (hs[0], hs[1], 1 - hs[1] ** 2, hs[0] * (1 - hs[1] ** 2)):
        assert f"{value:.4f}" in text
    delta2 = 1 - hs[1] ** 2
    delta1 = delta2 * 0.5 * (1 - hs[0] ** 2)
    assert f"{delta2 * 0.5:.4f}" in text and f"{delta1:.4f}" in text
    assert layer.grads["U"][0, 0] == pytest.approx(ex.answer, abs=1e-4)
    assert f"{layer.grads['W'][0, 0]:.4f}" in ex.explanation


def test_the_finite_difference_figures():
    """ "the sweet spot is near ε = 10⁻⁵ or 10⁻⁶" (float64, central differences, a simple RNN), and
    "a formula wrong by a factor of 2 gives 1/3"."""
    from tutor.engine import SimpleRNN, numerical_gradient, relative_error

    assert "10⁻⁵ or 10⁻⁶" in _prose() and "factor of 2 gives 1/3" in _prose()
    for seed in range(3):
        rng = np.random.default_rng(seed)
        layer = SimpleRNN(3, input_dim=3, dtype=np.float64, seed=seed)
        layer.params["b"][...] = rng.normal(0.0, 0.3, 3)
        x, R = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 3))
        layer.forward(x)
        layer.backward(R.copy())
        exact = layer.grads["U"].copy()

        def loss(layer=layer, x=x, R=R):
            return float(np.sum(layer.forward(x) * R))

        errors = {
            eps: relative_error(exact, numerical_gradient(loss, layer.params["U"], eps))
            for eps in np.logspace(-3, -8, 6)
        }
        assert min(errors, key=errors.get) in (1e-5, 1e-6), errors
    a = np.random.default_rng(0).standard_normal(10)
    assert relative_error(2 * a, a) == pytest.approx(1 / 3)


def test_the_cost_of_finite_differences_is_the_checks_largest_case():
    from tutor.engine import SimpleRNN

    assert "B = 32, T = 60, D = 48, H = 64" in _ex("bptt-last").check
    weights = SimpleRNN(64, input_dim=48).count_params()
    assert weights == 7232 and "7,232 weights" in _prose()
    assert 32 * 60 * 48 == 92160 and "92,160" in _prose()
    assert 2 * (weights + 92160) == pytest.approx(200_000, rel=0.02)  # "almost 200,000 forward passes"


def test_an_untrained_network_is_at_ln2_on_the_training_task():
    """ "its loss stays at ln 2 ≈ 0.69": the training exercise's network before its first step."""
    from tutor.engine import SGD
    from tutor.tasks.longdep import build_model, make_data

    assert "ln 2 ≈ 0.69" in _prose()
    x, y = make_data(512, length=20, seed=1)
    model = build_model("rnn", units=16, seed=0, dtype=np.float64)
    model.compile("binary_crossentropy", SGD(0.3))
    assert model.evaluate(x.astype(float), y.astype(float), return_dict=True)["loss"] == pytest.approx(
        np.log(2), abs=0.03
    )


def test_the_gradient_reaching_step_1_is_a_small_fraction_in_the_backward_figure():
    """bptt-last's explanation: in its plot the early steps get a small fraction of the last's."""
    from tutor.engine import SimpleRNN

    for seed in range(5):
        rng = np.random.default_rng(seed)
        layer = SimpleRNN(16, input_dim=8, dtype=np.float64, seed=seed)
        x = np.eye(8)[rng.integers(0, 8, size=(64, 30))]
        layer.forward(x)
        norms = np.linalg.norm(layer.backward(rng.standard_normal((64, 16))), axis=2).mean(axis=0)
        assert norms[0] / norms[-1] < 0.05


# -- the figures a check draws ----------------------------------------------------------------------


def test_the_training_loss_arrives_while_the_check_runs_and_stays_in_the_verdict():
    ex = _ex("own-training-loop")
    seen: list[dict] = []
    result = run_code(ex, ex.solution, on_figure=seen.append)
    assert result.passed, result.message
    assert len(seen) >= 2, "the loss curve should arrive epoch by epoch"
    lengths = [len(f["series"][0]["y"]) for f in seen]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]
    assert result.figures == [seen[-1]]
    curve = seen[-1]["series"][0]["y"]
    assert curve[-1] < 0.25 * curve[0], "the plotted loss falls"
    assert any("training loss" in line and "validation accuracy" in line for line in result.details)


def test_a_learners_own_output_never_becomes_a_figure():
    source = (
        "import json, os, sys\n"
        "line = json.dumps({'progress': {'figure': {'key': 'x', 'title': 'forged', 'series': []}}})\n"
        "print(line)\n"
        "os.write(1, (line + '\\n').encode())\n"
        "def rnn_backward(x, hs, W, U, b, dh_last):\n"
        "    print(line)\n"
        "    return None\n"
    )
    seen: list[dict] = []
    result = run_code(_ex("bptt-last"), source, on_figure=seen.append)
    assert not result.passed
    assert all(f["title"] != "forged" for f in [*seen, *result.figures])


# -- the screen -----------------------------------------------------------------------------------


@run_async
async def test_the_training_exercise_draws_its_loss_under_the_verdict_at_80x24(tmp_path, monkeypatch):
    from textual.widgets import TextArea

    from tutor.course.access import load_course
    from tutor.tui.app import TutorApp
    from tutor.tui.widgets.check_figures import CheckFigures
    from tutor.tui.widgets.plots import CachedPlot

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    app = TutorApp(course=load_course())
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson("bptt")
        screen = await lesson_built(pilot)
        panel = screen.query_one("#ex-own-training-loop")
        panel.query_one(TextArea).text = _ex("own-training-loop").solution
        await check_code(pilot, panel)
        figures = panel.query_one(CheckFigures)
        assert figures.display and list(figures.figures) == ["training-loss"]
        plot = figures.query_one(CachedPlot)
        assert plot.figure_title == "Your loop's loss, batch by batch"
        assert 0 < plot.size.width <= 80 and plot.size.height == 12
        assert "✔" in str(panel.query_one(".ex-result").render()) or app.course.passed(_ex("own-training-loop"))
        assert "your batches" in str(plot.render())


def test_a_right_backward_pass_and_central_differences_agree_near_1e_10():
    """bptt-fd-check's explanation: "Agreement near 1e-10, and no better", measured as its check
    measures it (ε = 1e-6, fresh networks of 3 sequences, 6 steps, 4 inputs, 5 units)."""
    from tutor.engine import SimpleRNN, relative_error

    assert "near 1e-10, and no better" in _ex("bptt-fd-check").explanation
    scope: dict = {}
    exec(_ex("bptt-fd-check").solution, scope)  # the reference solution: NumPy only
    worst = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        layer = SimpleRNN(5, input_dim=4, return_sequences=True, dtype=np.float64, seed=seed)
        layer.params["b"][...] = rng.normal(0.0, 0.3, 5)
        x, R = rng.standard_normal((3, 6, 4)), rng.standard_normal((3, 5))
        W, U, b = (layer.params[k].copy() for k in "WUb")
        numeric = scope["numerical_gradient"](x.copy(), W.copy(), U.copy(), b.copy(), R, 1e-6)
        analytic = scope["rnn_backward"](x, layer.forward(x), W, U, b, R)
        worst.append(max(relative_error(a, n) for a, n in zip(analytic, numeric, strict=True)))
    assert 1e-12 < min(worst) and max(worst) < 1e-9, worst


def test_every_formula_fits_80_columns():
    """Code blocks are not wrapped: in the prose (drawn 3 columns in) a line may have 73 characters,
    in an exercise's prompt or quiz solution (inside the panel's frame) 69, as measured at 80x24."""
    import re

    lesson = _lesson()
    texts = [("the prose", lesson.body_markdown, 73)]
    texts += [(ex.id, ex.prompt_markdown, 69) for ex in lesson.exercises]
    texts += [(f"{ex.id}'s solution", ex.solution, 69) for ex in lesson.exercises if ex.kind == "quiz"]
    for where, text, most in texts:
        for block in re.findall(r"```\n(.*?)```", text, re.S):
            for line in block.splitlines():
                assert len(line) <= most, f"{where}: {len(line)} characters: {line}"


def test_tutor_check_prints_the_plot_and_json_carries_the_figures(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tutor.cli import app

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    mine = tmp_path / "mine.py"
    mine.write_text(_ex("bptt-last").solution, encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(app, ["check", "bptt-last", str(mine)])
    assert shown.exit_code == 0, shown.output
    assert "‖∂L/∂xₜ‖ at each step t" in shown.output and "step 1 gets" in shown.output
    assert "┤" in shown.output  # the plot's frame
    out = runner.invoke(app, ["check", "bptt-last", str(mine), "--json"])
    figures = json.loads(out.output.splitlines()[0])["figures"]
    assert [f["key"] for f in figures] == ["step-norms"]
    assert [s["label"] for s in figures[0]["series"]] == ["yours", "engine"]
