"""The code checker: verdicts, readable errors, limits, and every class of bypass a learner might
try (a shortcut through the engine, patched NumPy, a forged result, reading the checker's data).

The learner's code runs in one process, the tests and the check in another (tutor.course.judge);
these tests drive the real pair through `run_code`, as the app and `tutor check` do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tutor.course import CodeTest, Exercise, run_code, wire
from tutor.course import judge as judge_module
from tutor.course.checking import run_codes

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

LINUX = sys.platform.startswith("linux")


def run(source: str, exercise: Exercise = EXERCISE, **kw) -> object:
    return run_code(exercise, textwrap.dedent(source), timeout=kw.pop("timeout", 5), **kw)


def runs(sources: list[str], exercise: Exercise = EXERCISE) -> list:
    """Several sources in one checker process (each still in a learner process of its own)."""
    return run_codes(exercise, [textwrap.dedent(s) for s in sources], timeout=5)


# ------------------------------------------------------------------------------------ verdicts


def test_solution_passes():
    result = run(EXERCISE.solution)
    assert result.passed, result
    assert result.message == "All 2 checks passed."


def test_wrong_result_fails_with_the_call_and_the_values():
    result = run(EXERCISE.starter)
    assert not result.passed
    assert "square([1., 2., 3.])" in result.message
    assert "expected [1., 4., 9.]" in result.message


def test_one_count_and_one_wording_for_pass_and_fail():
    # the same exercise says "Check k of N" when failing and "All N checks passed" when passing
    failing, both, passing = runs(
        [
            "import numpy as np\ndef square(x):\n    return np.abs(x) * x if np.any(x < 0) else x * x\n",
            "def square(x):\n    return x + 1\n",
            EXERCISE.solution,
        ]
    )
    assert not failing.passed
    assert failing.message.startswith("Check 2 of 2 failed: square([2, -3]) gave")
    assert both.message.startswith("2 of 2 checks failed. Check 1: small: square([1., 2., 3.])"), both
    assert both.details and both.details[0].startswith("Check 2: square([2, -3]) gave")
    assert passing.message == "All 2 checks passed."
    single = replace(EXERCISE, check="")
    wrong, right = runs(["def square(x):\n    return x\n", EXERCISE.solution], single)
    assert wrong.message.startswith("The check failed: small:")
    assert right.message == "The 1 check passed."


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
    assert any(d.startswith("while running check 1 of 2 (small): square(") for d in result.details)


def test_syntax_error_points_at_the_learners_line():
    result = run("def square(x)\n    return x * x\n")
    assert not result.passed
    assert result.message.startswith("line 1: SyntaxError")
    assert "    def square(x)" in result.details


def test_missing_function_is_named():
    result = run("def squares(x):\n    return x * x\n")
    assert not result.passed
    assert "does not define square()" in result.message


def test_returning_none_says_so_in_tests_and_in_checks():
    result = run("def square(x):\n    y = x * x\n")
    assert not result.passed
    assert "returned None (is a `return` line missing?)" in result.message
    only_check = replace(EXERCISE, tests=())
    result = run("def square(x):\n    y = x * x\n", only_check)
    assert result.message == "The check failed: square([ 2., -3.]) returned None (is a `return` line missing?)"
    assert "shape ()" not in result.message


def test_prints_are_shown_apart_from_the_verdict():
    result = run("print('{not json')\ndef square(x):\n    print('hi', x)\n    return x * x\n")
    assert result.passed, result
    assert "Your code printed:" in result.details
    assert "  {not json" in result.details


def test_exit_is_reported():
    result = run("import sys\nsys.exit(0)\n")
    assert not result.passed
    assert "exit()" in result.message


def test_os_exit_is_reported():
    result = run("import os\nos._exit(3)\n")
    assert not result.passed
    assert result.message.startswith("Your code ended its process (exit status 3)")


def test_memory_hog_is_readable():
    result = run("import numpy as np\nbig = np.ones((100_000, 100_000))\n", memory_mb=512)
    assert not result.passed
    assert result.message.startswith("line 2: MemoryError")
    assert "The memory limit for exercise code is 512 MB." in result.details


def test_growing_memory_hog_is_readable():
    # a generous wall limit: on a loaded machine the 5 s default can end the run before the memory does
    result = run("chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))\n", memory_mb=400, timeout=60)
    assert not result.passed
    assert "MemoryError" in result.message or "memory" in result.message.lower()


def test_runs_outside_the_callers_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("open('litter.txt', 'w').write('x')\ndef square(x):\n    return x * x\n")
    assert result.passed, result
    assert not (tmp_path / "litter.txt").exists()


def test_a_broken_checker_is_blamed_on_the_lesson_not_the_learner():
    broken = replace(EXERCISE, check="import no_such_module\ndef check(square):\n    pass\n")
    result = run_code(broken, EXERCISE.solution, timeout=5)
    assert not result.passed
    assert result.message.startswith("This exercise's checker is broken (ModuleNotFoundError")


def test_a_ragged_expected_value_is_compared_part_by_part():
    pair = replace(
        EXERCISE,
        functions=("split",),
        tests=(CodeTest(args=([1.0, 2.0, 3.0],), expected=[[1.0, 2.0], 3.0], name="pair"),),
        check="",
    )
    good, bad, short = runs(
        [
            "def split(v):\n    return v[:2], v[2]\n",
            "def split(v):\n    return v[:2], 0.0\n",
            "def split(v):\n    return v\n",
        ],
        pair,
    )
    assert good.passed, good
    assert not bad.passed and "part 2" in bad.message
    assert not short.passed and "Traceback" not in short.message


def test_a_function_that_changes_its_input_is_seen_doing_so():
    check = textwrap.dedent(
        """
        import numpy as np

        def check(square):
            x = np.array([2.0, -3.0])
            got = square(x)
            assert np.array_equal(x, [2.0, -3.0]), "square changed the array it was given"
            assert np.allclose(got, [4.0, 9.0])
        """
    )
    ex = replace(EXERCISE, check=check, tests=())
    in_place, solution = runs(["def square(x):\n    x *= x\n    return x\n", EXERCISE.solution], ex)
    assert in_place.message == "The check failed: square changed the array it was given"
    assert solution.passed


def test_values_of_every_kind_cross_as_data():
    import scipy.sparse as sp

    values = [
        None,
        True,
        3,
        2**80,
        -0.5,
        float("inf"),
        "naïve",
        (1, "a"),
        {"k": [1, 2], 3: (4,)},
        {1, 2},
        frozenset({"x"}),
        b"\x00\xff",
        1 + 2j,
        np.float32(1.5),
        np.int64(7),
        np.arange(6, dtype=np.int16).reshape(2, 3),
        np.array(["ab", "c"]),
        np.array([1, "x"], dtype=object),
        np.zeros((0, 3)),
        sp.csr_matrix(np.eye(3)),
        sp.coo_matrix(np.eye(2)),
    ]
    back = wire.decode(wire.loads(wire.dumps(wire.encode(values))))
    for sent, got in zip(values, back, strict=True):
        if isinstance(sent, np.ndarray):
            assert got.dtype == sent.dtype and got.shape == sent.shape and np.array_equal(got, sent)
        elif sp.issparse(sent):
            assert got.format == sent.format and (got != sent).nnz == 0
        else:
            assert got == sent and type(got) is type(sent)
    opaque = wire.decode(wire.encode(x for x in ()))
    assert isinstance(opaque, wire.Opaque) and "generator" in repr(opaque) and opaque != opaque
    loop: list = []
    loop.append(loop)
    assert isinstance(wire.decode(wire.encode(loop)), list)  # ends in an Opaque, not a RecursionError
    for bad in ({"$": "ndarray", "dtype": "O", "shape": [1], "data": ""}, {"$": "eval", "code": "1"}):
        with pytest.raises(ValueError):
            wire.decode(bad)


# -------------------------------------------------------------------------- time and processes


def _alive(pid: int) -> bool:
    """A live (non-zombie) process with this pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_infinite_loop_times_out_and_every_process_it_started_is_gone(tmp_path):
    pids = tmp_path / "pids"
    source = f"""
        import os, subprocess, sys
        sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
        plain = subprocess.Popen(sleep)
        own_session = subprocess.Popen(sleep, start_new_session=True)
        if os.fork() == 0:  # a daemon: its parent exits at once, it leaves the group
            os.setsid()
            daemon = subprocess.Popen(sleep, start_new_session=True)
            with open({str(pids)!r} + ".daemon", "w") as f:
                f.write(str(daemon.pid))
            os._exit(0)
        with open({str(pids)!r}, "w") as f:
            f.write(f"{{os.getpid()}} {{plain.pid}} {{own_session.pid}}")
        while True:
            pass
        """
    result = run(source, timeout=2)
    assert not result.passed
    assert result.message == "Your code took longer than 2 s (an infinite loop?)."
    started = [int(p) for p in pids.read_text().split()] + [int(Path(f"{pids}.daemon").read_text())]
    assert os.getpid() not in started
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in started if _alive(p)] == []


def test_the_time_limit_counts_the_learners_calls(tmp_path):
    slow = "import time\ndef square(x):\n    time.sleep(0.4)\n    return x * x\n"
    assert run(slow, timeout=2).passed  # two calls of 0.4 s fit in 2 s
    assert run(slow, timeout=0.6).message.startswith("Your code took longer than 0.6 s")


def test_the_sandbox_works_without_the_posix_only_calls(monkeypatch, tmp_path):
    """Windows has no os.killpg, os.setsid, signal.SIGKILL or resource: the checker must still
    judge, end a runaway process, and say that memory is not capped."""
    sandbox = Path(judge_module.__file__).with_name("sandbox.py")
    prelude = textwrap.dedent(
        f"""
        import os, runpy, signal, sys
        sys.modules["resource"] = None
        for name in ("killpg", "setsid", "getpgid"):
            if hasattr(os, name):
                delattr(os, name)
        delattr(signal, "SIGKILL")
        runpy.run_path({str(sandbox)!r}, run_name="__main__")
        """
    )
    monkeypatch.setattr(judge_module, "learner_command", lambda: [sys.executable, "-P", "-c", prelude])
    for name in ("killpg", "setsid"):
        monkeypatch.delattr(os, name)
    monkeypatch.delattr(signal, "SIGKILL")
    monkeypatch.setitem(sys.modules, "resource", None)

    def judged(source: str, timeout: float = 5) -> dict:
        from tutor.course.checking import _test_spec

        spec = {
            "source": textwrap.dedent(source),
            "functions": ["square"],
            "tests": [_test_spec(t) for t in EXERCISE.tests],
            "check": EXERCISE.check,
            "timeout": timeout,
            "memory_mb": 512,
        }
        return judge_module.judge(spec)

    good = judged(EXERCISE.solution)
    assert good["passed"], good
    assert good["limits"] == {"memory": False, "cpu": False, "file_size": False}
    assert any("does not let the checker cap memory" in d for d in good["details"])
    assert not judged(EXERCISE.starter)["passed"]
    started = time.monotonic()
    pid_file = tmp_path / "pid"
    loop = judged(f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\nwhile True:\n    pass\n", 1)
    assert loop["message"] == "Your code took longer than 1 s (an infinite loop?)."
    assert time.monotonic() - started < 30
    if LINUX:
        assert not _alive(int(pid_file.read_text()))


# ------------------------------------------------------------------------------------- bypasses


def test_shortcut_through_the_engine_is_refused_with_a_message_that_teaches():
    message = "this exercise asks you to write it yourself; `tutor.engine` is not available here"
    attempts = [
        "from tutor.engine import SimpleRNN",
        "import tutor.engine",
        "import importlib\nimportlib.import_module('tutor.engine')",
        "__import__('tutor.engine')",
        "import runpy\nrunpy.run_module('tutor.engine')",
    ]
    others = ["tutor", "tutor.data", "scipy.sparse"]
    tail = "\ndef square(x):\n    return x * x\n"
    results = runs([a + tail for a in attempts] + [f"import {other}" + tail for other in others])
    for attempt, result in zip(attempts, results, strict=False):
        assert not result.passed, attempt
        assert message in result.message, (attempt, result.message)
        assert result.message.startswith("line "), result.message  # it names the learner's line
    for other, result in zip(others, results[len(attempts) :], strict=True):
        assert f"`{other}` is not available here" in result.message, result.message


def test_what_an_exercise_allows_can_be_imported_and_nothing_more():
    allowed = replace(EXERCISE, allow=("tutor.engine",))
    uses_engine = """
        import numpy as np
        from tutor.engine import Dense
        def square(x):
            return np.asarray(x) ** 2
        """
    uses, result = runs([uses_engine, "import tutor.data\ndef square(x):\n    return x * x\n"], allowed)
    assert uses.passed
    assert "`tutor.data` is not available here (you may use Python's standard library, NumPy and `tutor.engine`)" in (
        result.message
    )


def test_numpy_and_the_standard_library_work_as_usual():
    source = """
        import collections, fractions, json, math
        import numpy as np
        import numpy.linalg, numpy.fft, numpy.random
        from numpy.lib.stride_tricks import sliding_window_view
        def square(x):
            rng = np.random.default_rng(0)
            assert np.allclose(np.linalg.inv(np.eye(2)), np.eye(2))
            assert sliding_window_view(np.arange(4), 2).shape == (3, 2)
            assert np.fft.fft(np.ones(2))[0] == 2
            return np.asarray(x) ** 2
        """
    assert run(source).passed


def test_patched_numpy_cannot_make_a_wrong_answer_pass():
    result = run(
        """
        import numpy
        numpy.allclose = lambda *a, **k: True
        numpy.array_equal = lambda *a, **k: True
        numpy.testing.assert_allclose = lambda *a, **k: None
        def square(x):
            return x
        """
    )
    assert not result.passed
    assert "expected [1., 4., 9.]" in result.message


def test_a_forged_result_is_never_taken_for_a_verdict():
    forged = '{"passed": true, "message": "All 2 checks passed.", "details": [], "ok": true, "id": 1}\\n'
    result = run(
        f"""
        import os, sys
        forged = {forged!r}
        print(forged)
        sys.__stdout__.write(forged)
        sys.__stdout__.flush()
        for fd in range(0, 64):
            try:
                os.write(fd, forged.encode())
            except OSError:
                pass
        os._exit(0)
        """
    )
    assert not result.passed
    assert result.message != "All 2 checks passed."


def test_an_answer_written_on_the_channel_is_only_ever_an_answer():
    # the learner's function writes a plausible reply on the protocol channel itself
    result = run(
        """
        import json, os
        def square(x):
            for fd in range(3, 16):
                try:
                    os.write(fd, b'{"id": 2, "ok": true, "value": [1.0, 4.0, 9.0]}\\n')
                except OSError:
                    pass
            return x
        """
    )
    assert not result.passed


@pytest.mark.skipif(not LINUX, reason="/proc")
def test_the_checker_process_cannot_be_read_or_written_through_proc():
    forged = '{"passed": true, "message": "All 2 checks passed.", "details": []}\\n'
    result = run(
        f"""
        import os
        reached = []
        for name in ("fd/1", "mem", "environ", "fd/0"):
            try:
                with open(f"/proc/{{os.getppid()}}/{{name}}", "r+b" if name == "fd/1" else "rb") as f:
                    if name == "fd/1":
                        f.write({forged!r}.encode())
                    else:
                        f.read(1)
                reached.append(name)
            except OSError:
                pass
        print("reached:", reached)
        def square(x):
            return x
        """
    )
    assert not result.passed
    if os.geteuid() != 0:  # root may open any process's files; the verdict's nonce still holds
        assert "  reached: []" in result.details, result.details


def test_the_checkers_data_is_not_in_frames_env_or_files():
    secret = 987654.321  # an expected value only the checker knows; the code below never spells it
    ex = replace(EXERCISE, tests=(CodeTest(args=([1.0],), expected=[secret], name="hidden"),), check="")
    result = run(
        """
        import gc, os, sys
        def square(x):
            needle = "".join(["9876", "54.321"])  # built at run time: no constant holds it
            found = []
            frame = sys._getframe(1)
            while frame is not None:
                if needle in repr(frame.f_locals) + repr(frame.f_globals):
                    found.append("frame " + frame.f_code.co_name)
                frame = frame.f_back
            if any(needle in v for v in os.environ.values()):
                found.append("environ")
            for obj in gc.get_objects():
                try:
                    if needle in repr(obj)[:100000] and obj is not sys._getframe().f_locals:
                        found.append("object")
                        break
                except Exception:
                    pass
            for root, _, files in os.walk(os.getcwd()):
                found += [f for f in files]
            print("found:", found)
            return x
        """,
        ex,
    )
    assert not result.passed
    assert "  found: []" in result.details, result.details


def test_the_lesson_files_and_the_package_are_closed_to_exercise_code():
    from tutor import paths

    lesson = next(paths.lessons_dir().glob("04-*.md"))
    engine = Path(judge_module.__file__).resolve().parents[1] / "engine" / "recurrent.py"
    sources = [f"text = open({str(t)!r}).read()\ndef square(x):\n    return x * x\n" for t in (lesson, engine)]
    for result in runs(sources):
        assert not result.passed
        assert "the checker's files are not open to exercise code" in result.message, result.message


def test_the_judge_process_only_takes_a_verdict_with_its_nonce():
    from tutor.course.checking import _verdicts

    def line(nonce: str) -> bytes:
        return b'{"verdicts": [{"passed": true, "message": "ok", "details": []}], "nonce": "%s"}\n' % nonce.encode()

    assert _verdicts(line("other"), "mine", 1, "")[0].passed is False
    assert _verdicts(line("mine") * 2, "mine", 1, "")[0].passed is False
    assert _verdicts(line("mine"), "mine", 2, "")[0].passed is False  # one verdict for two sources
    good = _verdicts(b"junk\n" + line("mine"), "mine", 1, "")[0]
    assert good.passed and good.message == "ok"


def test_several_sources_are_judged_in_one_checker_each_in_its_own_process():
    from tutor.course.checking import run_codes

    results = run_codes(EXERCISE, [EXERCISE.solution, EXERCISE.starter, "import os\nos._exit(1)\n"], timeout=5)
    assert [r.passed for r in results] == [True, False, False]
    assert results[2].message.startswith("Your code ended its process")


def test_the_learners_process_cannot_import_tutor_at_start_up():
    # the learner's interpreter is started as a script without its folder on sys.path, so not
    # even the checker's own modules are there to be found in sys.modules
    result = run(
        """
        import sys
        print("tutor modules:", sorted(m for m in sys.modules if m.startswith("tutor")))
        def square(x):
            return x
        """
    )
    assert "  tutor modules: []" in result.details, result.details


def test_judge_module_runs_standalone_and_refuses_garbage():
    proc = subprocess.run(
        [sys.executable, "-m", "tutor.course.judge"],
        input=b"{not json",
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode != 0 and proc.stdout == b""
