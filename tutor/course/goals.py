"""Experiment goals: small expressions over a finished run's logs, parsed with `ast`, never eval'd.

A goal is either the name of a registered check (see `NAMED_GOALS`) or an expression built only
from names (log keys such as ``val_accuracy``), numbers, arithmetic (+ - * /), comparisons
(chained too) and ``and`` / ``or`` / ``not``, e.g. ``val_accuracy >= 0.8 and epochs <= 10``.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from tutor.course.model import CheckResult

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _ratio_first_last(norms: Any) -> float:
    """Gradient norm at the first time step over the last one (small means it vanished)."""
    row = list(norms[-1]) if norms and isinstance(norms[-1], list | tuple) else list(norms)
    if len(row) < 2 or not row[-1]:
        return math.nan
    return float(row[0]) / float(row[-1])


def _gradient_vanishes(logs: Mapping[str, Any]) -> CheckResult:
    """The first step's gradient norm is under 1% of the last step's (the RNN case)."""
    norms = logs.get("step_grad_norms")
    if not norms:
        return CheckResult(False, "This run recorded no per-time-step gradient norms.")
    ratio = _ratio_first_last(norms)
    passed = ratio < 0.01
    return CheckResult(
        passed,
        f"First-step / last-step gradient norm: {ratio:.2g}"
        + (" (under 0.01: it vanished)." if passed else " (not yet under 0.01: lengthen the sequence)."),
    )


# Named goals for what an expression cannot say; each receives the final logs.
NAMED_GOALS: dict[str, Callable[[Mapping[str, Any]], CheckResult]] = {
    "gradient_vanishes": _gradient_vanishes,
}


def validate_goal(goal: str) -> None:
    """Raise ValueError if `goal` is neither a named goal nor an allowed expression."""
    if goal.strip() in NAMED_GOALS:
        return
    try:
        tree = ast.parse(goal.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"goal {goal!r} is not a valid expression ({exc.msg})") from None
    for node in ast.walk(tree):
        allowed = (
            ast.Expression,
            ast.BoolOp,
            ast.And,
            ast.Or,
            ast.UnaryOp,
            ast.Not,
            ast.USub,
            ast.BinOp,
            ast.Compare,
            ast.Name,
            ast.Load,
            ast.Constant,
            *_COMPARE,
            *_BINARY,
        )
        if not isinstance(node, allowed):
            raise ValueError(f"goal {goal!r} uses {type(node).__name__}, which goals may not use")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ValueError(f"goal {goal!r}: only numbers may appear as constants")


def goal_names(goal: str) -> set[str]:
    """The log keys an expression goal reads (empty for a named goal)."""
    if goal.strip() in NAMED_GOALS:
        return set()
    tree = ast.parse(goal.strip(), mode="eval")
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def final_values(logs: Mapping[str, Any]) -> dict[str, Any]:
    """Each log key's final value: a per-epoch list gives its last element."""
    out: dict[str, Any] = {}
    for key, value in logs.items():
        if isinstance(value, list | tuple):
            out[key] = value[-1] if value else None
        else:
            out[key] = value
    return out


def evaluate_goal(goal: str, logs: Mapping[str, Any]) -> Any:
    """Evaluate an expression goal over the final logs; KeyError names a missing log key."""
    validate_goal(goal)
    values = final_values(logs)
    return _eval(ast.parse(goal.strip(), mode="eval").body, values)


def _eval(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in values or values[node.id] is None:
            raise KeyError(node.id)
        return values[node.id]
    if isinstance(node, ast.BoolOp):
        results = (_eval(v, values) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        return (not operand) if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    raise ValueError(f"unsupported goal element {type(node).__name__}")  # validate_goal stops it
