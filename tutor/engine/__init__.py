"""The tutor's recurrent-network engine: NumPy (and SciPy) only, Keras-flavoured.

    from tutor.engine import Sequential, Embedding, LSTM, Dense
    model = Sequential([Embedding(10000, 32), LSTM(32), Dense(1, activation="sigmoid")])

Shapes are batch first everywhere: x is (B, T, D); a recurrent layer returns (B, H), or
(B, T, H) with ``return_sequences=True``. Each layer documents its equations at the top of its
module, in the symbols the lessons use.
"""

from .activations import ACTIVATIONS
from .bidirectional import Bidirectional
from .callbacks import Callback, EarlyStopping, History, LambdaCallback, ModelCheckpoint
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .gru import GRU
from .layer import Layer
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
    get_loss,
)
from .lstm import LSTM
from .metrics import r2_score
from .model import Sequential
from .optimizers import SGD, Adam, Optimizer, RMSprop, clip_by_global_norm, global_norm
from .pooling import GlobalAveragePooling1D
from .recurrent import Recurrent, SimpleRNN

__all__ = [
    "ACTIVATIONS",
    "Adam",
    "Bidirectional",
    "BinaryCrossentropy",
    "Callback",
    "CategoricalCrossentropy",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Embedding",
    "GRU",
    "GlobalAveragePooling1D",
    "History",
    "LSTM",
    "LambdaCallback",
    "Layer",
    "Loss",
    "MeanSquaredError",
    "ModelCheckpoint",
    "Optimizer",
    "RMSprop",
    "Recurrent",
    "SGD",
    "Sequential",
    "SimpleRNN",
    "SparseCategoricalCrossentropy",
    "clip_by_global_norm",
    "get_loss",
    "global_norm",
    "gradcheck",
    "numerical_gradient",
    "r2_score",
    "relative_error",
]
