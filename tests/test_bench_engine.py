"""`tutor bench engine`'s plumbing on tiny shapes (no timing thresholds: the machine is shared)."""

import pytest

from tutor.bench import bench, cases, gemm_rate


def test_every_row_is_timed_at_both_thread_settings():
    rows = bench(repeats=1, todo=[("GRU", (2, 3, 2, 2), "train"), ("LSTM", (2, 3, 2, 2), "infer")])
    assert [(r.model, r.mode) for r in rows] == [("GRU", "train"), ("LSTM", "infer")]
    for row in rows:
        for timing in (row.one, row.default):
            assert timing.engine_s > 0
            if timing.torch_s is not None:
                assert timing.ratio == pytest.approx(timing.torch_s / timing.engine_s)
    assert rows[0].flops == 3 * rows[1].flops * 3 / 4  # train: 3x the forward's products; GRU: 3 gates, LSTM 4


def test_the_table_covers_all_layers_and_an_inference_row():
    todo = cases()
    assert {m for m, _, mode in todo if mode == "train"} == {"SimpleRNN", "LSTM", "GRU"}
    assert any(mode == "infer" for _, _, mode in todo)
    assert gemm_rate(n=64, repeats=1) > 0
