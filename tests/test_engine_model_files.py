"""Hostile and damaged model files: each refused with one clear line, before anything big is
allocated (measured with tracemalloc, which sees NumPy's allocations)."""

import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest

from tutor.engine import GRU, LSTM, Dense, Embedding, ModelFileError, Sequential, load_model

LIMIT = 20 * 2**20  # bytes a refused file may cost: far below what any lying size would need


def _saved(tmp_path, layers=None, compile=True):
    model = Sequential(layers or [Embedding(100, 8, mask_zero=True), LSTM(8), Dense(1, activation="sigmoid")], seed=0)
    if compile:
        model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
        ids = np.random.default_rng(0).integers(0, 100, (8, 5))
        model.fit(ids, np.arange(8) % 2, batch_size=4, epochs=1)
    return model, model.save(tmp_path / "m.npz")


def _rewrite(path, edit_config=None, edit_arrays=None):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    config = json.loads(str(arrays.pop("__config__")))
    if edit_config:
        edit_config(config)
    if edit_arrays:
        edit_arrays(arrays)
    arrays["__config__"] = np.array(json.dumps(config))
    np.savez(path, **arrays)
    return path


def _refused(path, match):
    """Load must fail with a one-line ModelFileError, cheaply."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=match) as err:
            load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(err.value)
    assert "\n" not in message and message.strip() == message
    assert peak < LIMIT, f"refusing the file cost {peak / 2**20:.0f} MB"
    return message


def _set_layer(config, index, **values):
    config["layers"][index]["config"].update(values)


def test_a_config_claiming_a_huge_embedding_is_refused_before_allocating(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: _set_layer(c, 0, input_dim=1_000_000, output_dim=500))  # 2 GB of weights
    message = _refused(path, r"stored with shape \(100, 8\), but the config implies \(1000000, 500\)")
    assert message.startswith(str(path))


def test_a_config_claiming_a_huge_lstm_is_refused_before_allocating(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: _set_layer(c, 1, units=10_000_000))  # 14.7 GB for U alone
    _refused(path, r"1/lstm/W is stored with shape \(8, 32\), but the config implies \(8, 40000000\)")


def test_sizes_no_machine_could_hold_are_refused(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: _set_layer(c, 0, input_dim=1e9, output_dim=1e6))
    _refused(path, "config implies")
    for bad, match in (
        (1e12, "between 1 and"),
        (1e400, "integer"),
        (2.5, "integer"),
        ("8", "integer"),
        (True, "integer"),
        (-3, "between 1 and"),
    ):
        _, path = _saved(tmp_path, compile=False)
        text = path.read_bytes()
        _rewrite(path, lambda c, bad=bad: _set_layer(c, 1, units=bad))
        _refused(path, match)
        path.write_bytes(text)


def test_an_array_header_that_lies_about_its_size_is_refused_unread(tmp_path):
    _, path = _saved(tmp_path)
    # rewrite the LSTM's U header to claim a billion rows, keeping the bytes as they are
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    name = next(n for n in members if n.endswith("/U.npy"))
    raw = members[name]
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (1_000_000_000, 32)})
    members[name] = header.getvalue() + raw[len(header.getvalue()) :]
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    _refused(path, "claims shape")


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_non_finite_weights_are_refused(tmp_path, value):
    _, path = _saved(tmp_path)

    def poison(arrays):
        key = next(k for k in arrays if k.endswith("/W"))
        arrays[key] = arrays[key].copy()
        arrays[key].flat[3] = value

    _rewrite(path, edit_arrays=poison)
    _refused(path, "NaN or infinity")


def test_deeply_nested_json_is_refused(tmp_path):
    _, path = _saved(tmp_path)
    deep = "[" * 100_000 + "]" * 100_000
    _rewrite(path, lambda c: c.update(metadata={"x": 0}))
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["__config__"] = np.array(str(arrays["__config__"]).replace('{"x": 0}', deep))
    np.savez(path, **arrays)
    _refused(path, "nested too deeply")


def test_unknown_optimizer_keywords_and_layers_are_refused(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: c["compile"]["optimizer"].update(warp_speed=9))
    _refused(path, "rmsprop optimizer: bad config .*warp_speed")
    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: c["compile"]["optimizer"].update(name="lbfgs"))
    _refused(path, "unknown optimizer 'lbfgs'")
    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: c["layers"][1].update({"class": "Eval"}))
    _refused(path, "unknown layer class 'Eval'")
    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: _set_layer(c, 1, units=8, forget_everything=True))
    _refused(path, "LSTM: bad config")


def test_special_files_and_directories_are_refused(tmp_path):
    if os.path.exists("/dev/zero"):
        _refused("/dev/zero", "not a regular file")
    _refused(tmp_path, "is a directory")
    _refused(tmp_path / "missing.npz", "no model file")
    fifo = tmp_path / "pipe.npz"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        _refused(fifo, "not a regular file")  # never opened: opening a pipe would block


def test_truncated_and_compressed_files_are_refused(tmp_path):
    _, path = _saved(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _refused(path, "not a readable rnn-tutor model file|truncated|damaged")
    model, path = _saved(tmp_path)
    with np.load(path) as stored:
        np.savez_compressed(path, **{k: stored[k] for k in stored.files})
    _refused(path, "compressed entry")


def test_weights_no_layer_uses_are_refused(tmp_path):
    _, path = _saved(tmp_path)
    _rewrite(path, edit_arrays=lambda a: a.update({"9/ghost/W": np.zeros(3, np.float32)}))
    _refused(path, "weights no layer uses")


def test_optimizer_state_that_does_not_fit_is_refused(tmp_path):
    _, path = _saved(tmp_path)

    def bend(arrays):
        key = next(k for k in arrays if k.startswith("__optimizer__/"))
        arrays[key] = np.zeros((3, 3), np.float32)

    _rewrite(path, edit_arrays=bend)
    _refused(path, "optimizer state")


def test_a_format_1_file_still_loads(tmp_path):
    """Models saved before Keras' GRU layout: one bias (the input one), 'lr', a global 'clipnorm'."""
    model = Sequential([Embedding(30, 4), GRU(5), Dense(1, activation="sigmoid")], seed=3)
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", global_clipnorm=2.0)
    gru = model.layers[1]
    gru.params["b"][1] = 0.0  # format 1 had no recurrent bias
    path = model.save(tmp_path / "old.npz")

    def old_config(c):
        c["format_version"] = 1
        c["compile"]["optimizer"] = {"name": "rmsprop", "lr": 0.001, "clipnorm": 2.0, "rho": 0.9, "epsilon": 1e-7}
        del c["compile"]["iterations"]

    def old_arrays(a):
        a["1/gru/b"] = a["1/gru/b"][0]
        for key in [k for k in a if k.startswith("__optimizer__/")]:
            del a[key]

    _rewrite(path, old_config, old_arrays)
    loaded = load_model(path)
    ids = np.random.default_rng(1).integers(0, 30, (4, 6))
    np.testing.assert_array_equal(loaded.predict(ids), model.predict(ids))
    assert loaded.optimizer.global_clipnorm == 2.0 and loaded.optimizer.clipnorm is None


def test_tutor_predict_says_one_line_and_fails(tmp_path):
    import subprocess
    import sys

    _, path = _saved(tmp_path)
    _rewrite(path, lambda c: _set_layer(c, 1, units=10_000_000))
    env = {**os.environ, "TUTOR_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "predict", "--model", str(path), "a fine film"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode != 0
    assert "config implies" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
