"""The tutor's recurrent-network engine: NumPy (and SciPy) only, with Keras 3's semantics.

    from tutor.engine import Sequential, Embedding, LSTM, Dense
    model = Sequential([Embedding(10000, 32), LSTM(32), Dense(1, activation="sigmoid")])

Shapes are batch first everywhere: x is (B, T, D); a recurrent layer returns (B, H), or
(B, T, H) with ``return_sequences=True``. Each layer documents its equations at the top of its
module, in the symbols the lessons use. Layers, weights and parameter counts follow Keras 3, so
``set_weights(keras_model.get_weights())`` works both ways (see the README).
"""

from .activations import ACTIVATIONS
from .attention import Attention, Concatenate
from .bidirectional import Bidirectional
from .callbacks import Callback, EarlyStopping, History, LambdaCallback, ModelCheckpoint
from .conv import Conv1D
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .functional import Input, SymbolicTensor
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .gru import GRU
from .initializers import Constant
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
from .model import Model
from .optimizers import SGD, Adam, Optimizer, RMSprop, clip_by_global_norm, clip_by_norm, global_norm
from .pooling import GlobalAveragePooling1D, GlobalMaxPooling1D
from .recurrent import Recurrent, SimpleRNN
from .registry import LAYER_CLASSES
from .saving import ModelFileError, load_model
from .sequential import Sequential
from .threads import blas_threads

__all__ = [
    "ACTIVATIONS",
    "LAYER_CLASSES",
    "Adam",
    "Attention",
    "Bidirectional",
    "BinaryCrossentropy",
    "Callback",
    "CategoricalCrossentropy",
    "Concatenate",
    "Constant",
    "Conv1D",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Embedding",
    "GRU",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "History",
    "Input",
    "LSTM",
    "LambdaCallback",
    "Layer",
    "Loss",
    "MeanSquaredError",
    "Model",
    "ModelCheckpoint",
    "ModelFileError",
    "Optimizer",
    "RMSprop",
    "Recurrent",
    "SGD",
    "Sequential",
    "SimpleRNN",
    "SparseCategoricalCrossentropy",
    "SymbolicTensor",
    "blas_threads",
    "clip_by_global_norm",
    "clip_by_norm",
    "get_loss",
    "global_norm",
    "gradcheck",
    "load_model",
    "numerical_gradient",
    "r2_score",
    "relative_error",
]
