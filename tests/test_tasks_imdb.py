"""IMDb through the registry on a small subset of the dev copy (skipped when it is absent)."""

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tutor.tasks import registry
from tutor.tasks.sentiment import load_imdb

DEV_COPY = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "aclImdb_train.tar.gz"
pytestmark = pytest.mark.skipif(not DEV_COPY.is_file(), reason=f"dev copy absent: {DEV_COPY}")

SMALL = {"task": "imdb", "source": str(DEV_COPY), "subset": 400, "seq_len": 60}


def test_preparation_holds_out_validation_and_builds_the_vocabulary_from_training_only():
    data = load_imdb(DEV_COPY, subset=400, maxlen=60)
    assert data.parts == ("train", "val")  # the dev copy has no test split
    assert len(data.ids["train"]) == 320 and len(data.ids["val"]) == 80
    assert data.y("val").mean() == 0.5  # stratified
    assert data.sequences("train").shape == (320, 60) and data.sequences("train").dtype == np.int32
    bow = data.bag_of_words("val")
    assert sp.issparse(bow) and bow.shape == (80, len(data.vocab)) and set(np.unique(bow.data)) == {1.0}
    train_words = {w for ids in data.ids["train"] for w in data.vocab.decode(ids)}
    assert set(data.vocab.words[2:]) <= train_words  # every kept word occurs in the training part
    assert load_imdb(DEV_COPY, subset=400, maxlen=60) is data  # cached per process


@pytest.mark.parametrize(
    ("model", "extra"),
    [("lasso", {}), ("mlp", {"epochs": 2}), ("rnn", {"epochs": 1}), ("lstm", {"epochs": 1}), ("gru", {"epochs": 1})],
)
def test_each_model_runs_on_a_subset(model, extra):
    result = registry.run({**SMALL, "model": model, **extra})
    metrics = result.metrics
    assert 0.0 <= metrics["val_accuracy"] <= 1.0 and "test_accuracy" not in metrics
    assert result.metric == "accuracy" and math.isfinite(metrics["accuracy"])
    assert result.history["val_accuracy"][-1] == metrics["val_accuracy"]
    assert result.sizes == {"train": 320, "val": 80}
    if model == "lasso":
        assert result.epochs == 0 and result.path and metrics["nonzero"] >= 0
        assert metrics["val_accuracy"] > 0.6  # a few hundred reviews already separate well
    else:
        assert result.epochs == extra["epochs"]
    data = registry.get_task("imdb").load(result.config)
    assert result.trained.predict(data.x_val).shape == (80, 1)
