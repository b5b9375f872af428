"""The long-dependency task's variations (lesson 11): stacked, bidirectional and Conv1D models."""

import pytest

from tutor.engine import GRU, Bidirectional, Conv1D, GlobalMaxPooling1D, SimpleRNN
from tutor.tasks import registry
from tutor.tasks.longdep import VOCAB
from tutor.tasks.settings import SettingError


def _model(**config):
    task = registry.get_task("long_dependency")
    cfg = task.resolve({"task": "long_dependency", **config}, strict=True)
    return cfg, task.build(cfg, None)  # the model does not depend on the data


def test_the_settings_build_the_models_they_name():
    _, plain = _model(model="SimpleRNN")
    assert [type(layer) for layer in plain.layers[:-1]] == [SimpleRNN]
    _, stacked = _model(model="gru", layers=3, units=4)
    kinds = [(type(layer), layer.return_sequences) for layer in stacked.layers[:-1]]
    assert kinds == [(GRU, True), (GRU, True), (GRU, False)]  # each but the last hands on its sequence
    assert stacked.layers[1].count_params() == 3 * (4 * (4 + 4) + 2 * 4)  # reads the 4 states below
    _, bi = _model(model="SimpleRNN", bidirectional=True, layers=2, units=5)
    assert all(isinstance(layer, Bidirectional) for layer in bi.layers[:-1])
    assert bi.layers[1].count_params() == 2 * (5 * (2 * 5 + 5) + 5)  # reads both readers' states
    _, conv = _model(model="conv", kernel_size=5, units=6, layers=2)
    assert [type(layer) for layer in conv.layers[:-1]] == [Conv1D, Conv1D, GlobalMaxPooling1D]
    assert conv.layers[0].count_params() == 5 * VOCAB * 6 + 6
    assert conv.layers[1].count_params() == 5 * 6 * 6 + 6


def test_settings_that_do_not_fit_the_model_are_refused_in_a_preset():
    task = registry.get_task("long_dependency")
    with pytest.raises(SettingError, match="bidirectional does not apply to the Conv1D model"):
        task.resolve({"model": "Conv1D", "bidirectional": True}, strict=True)
    with pytest.raises(SettingError, match="kernel_size does not apply to the LSTM model"):
        task.resolve({"model": "LSTM", "kernel_size": 3}, strict=True)
    with pytest.raises(SettingError, match="layers must be at most"):
        task.resolve({"model": "LSTM", "layers": 100})
    with pytest.raises(SettingError, match="GB"):  # every stacked layer keeps its activations
        task.resolve({"model": "LSTM", "layers": 8, "bidirectional": True, "units": 1024, "seq_len": 200})


def test_labels_name_the_variation():
    task = registry.get_task("long_dependency")
    assert task.label(task.resolve({"model": "SimpleRNN", "bidirectional": True, "layers": 2})) == (
        "bi-SimpleRNN ×2 16u T=20"
    )
    assert task.label(task.resolve({"model": "conv", "kernel_size": 5})) == "Conv1D k=5 16u T=20"
