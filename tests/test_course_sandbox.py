"""The code-exercise sandbox: verdicts, readable errors, time and memory limits."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from tutor.course import CodeTest, Exercise, run_code

CHECK = textwrap.dedent(
    """
    import numpy as np

    def check(square):
        got = square(np.array([2.0, -3.0]))
        assert np.allclose(got, [4.0, 9.0]), f"square([2, -3]) gave {got}, expected [4, 9]"
    """
)

EXERCISE = Exercise(
    id="square",
    lesson_id="test",
    kind="code",
    title="Square",
    prompt_markdown="Square every element.",
    hint="x * x",
    solution="def square(x):\n    return x * x\n",
    starter="def square(x):\n    return x\n",
    functions=("square",),
    tests=(CodeTest(args=([1.0, 2.0, 3.0],), expected=[1.0, 4.0, 9.0], name="small"),),
    check=CHECK,
)


def run(source: str, **kw) -> object:
    return run_code(EXERCISE, textwrap.dedent(source), timeout=kw.pop("timeout", 5), **kw)


def test_solution_passes():
    result = run(EXERCISE.solution)
    assert result.passed, result
    assert "passed" in result.message


def test_wrong_result_fails_with_the_call_and_the_values():
    result = run(EXERCISE.starter)
    assert not result.passed
    assert "square([1., 2., 3.])" in result.message
    assert "expected [1., 4., 9.]" in result.message


def test_check_assertion_message_reaches_the_learner():
    # right on the test case, wrong on the checker's negative input
    result = run(
        """
        import numpy as np
        def square(x):
            return np.abs(x) * x if np.any(x < 0) else x * x
        """
    )
    assert not result.passed
    assert result.message.startswith("square([2, -3]) gave")


def test_exception_points_at_the_learners_line():
    result = run(
        """
        import numpy as np

        def square(x):
            h = x * x
            return hh
        """
    )
    assert not result.passed
    assert result.message == "line 6: NameError: name 'hh' is not defined"
    assert "    return hh" in result.details


def test_syntax_error_points_at_the_learners_line():
    result = run("def square(x)\n    return x * x\n")
    assert not result.passed
    assert result.message.startswith("line 1: SyntaxError")
    assert "    def square(x)" in result.details


def test_missing_function_is_named():
    result = run("def squares(x):\n    return x * x\n")
    assert not result.passed
    assert "does not define square()" in result.message


def test_returning_none_says_so():
    result = run("def square(x):\n    y = x * x\n")
    assert not result.passed
    assert "returned None" in result.message


def test_prints_do_not_corrupt_the_result():
    result = run("print('{not json')\ndef square(x):\n    print('hi', x)\n    return x * x\n")
    assert result.passed, result
    assert "Your code printed:" in result.details


def test_exit_is_reported():
    result = run("import sys\nsys.exit(0)\n")
    assert not result.passed
    assert "exit()" in result.message


def test_os_exit_is_reported():
    result = run("import os\nos._exit(3)\n")
    assert not result.passed
    assert "without a result" in result.message


def test_memory_hog_is_readable():
    result = run("import numpy as np\nbig = np.ones((100_000, 100_000))\n", memory_mb=512)
    assert not result.passed
    assert result.message.startswith("line 2: MemoryError")


def test_growing_memory_hog_is_readable():
    result = run("chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))\n", memory_mb=400)
    assert not result.passed
    assert "MemoryError" in result.message or "memory" in result.message.lower()


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in a process group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry.name))
    return members


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_infinite_loop_times_out_and_the_process_group_is_gone(tmp_path):
    marker = tmp_path / "pgid"
    source = f"""
        import os, subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        with open({str(marker)!r}, "w") as f:
            f.write(str(os.getpgid(0)))
        while True:
            pass
        """
    result = run(source, timeout=2)
    assert not result.passed
    assert result.message == "Your code took longer than 2 s (an infinite loop?)."
    pgid = int(marker.read_text())
    assert pgid != os.getpgid(0)  # its own session, not ours
    assert _group_members(pgid) == []


def test_runs_outside_the_callers_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("open('litter.txt', 'w').write('x')\ndef square(x):\n    return x * x\n")
    assert result.passed, result
    assert not (tmp_path / "litter.txt").exists()


def test_a_broken_checker_is_blamed_on_the_lesson_not_the_learner():
    from dataclasses import replace

    broken = replace(EXERCISE, check="import no_such_module\ndef check(square):\n    pass\n")
    result = run_code(broken, EXERCISE.solution, timeout=5)
    assert not result.passed
    assert result.message.startswith("This exercise's checker is broken (ModuleNotFoundError")


def test_a_ragged_expected_value_is_compared_part_by_part():
    from dataclasses import replace

    pair = replace(
        EXERCISE,
        functions=("split",),
        tests=(CodeTest(args=([1.0, 2.0, 3.0],), expected=[[1.0, 2.0], 3.0], name="pair"),),
        check="",
    )
    good = run_code(pair, "def split(v):\n    return v[:2], v[2]\n", timeout=5)
    assert good.passed, good
    bad = run_code(pair, "def split(v):\n    return v[:2], 0.0\n", timeout=5)
    assert not bad.passed and "part 2" in bad.message
    short = run_code(pair, "def split(v):\n    return v\n", timeout=5)
    assert not short.passed and "Traceback" not in short.message
