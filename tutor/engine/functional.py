"""The functional way to wire layers, as in Keras: ``Input`` gives symbolic tensors, calling a
layer on them records the call, and ``Model(inputs, outputs)`` runs the recorded graph.

An encoder-decoder with attention (teacher forcing: the decoder reads the target shifted by one):

    src = Input(shape=(None,), name="source")
    tgt = Input(shape=(None,), name="target_in")
    enc_seq, h, c = LSTM(64, return_sequences=True, return_state=True)(Embedding(V, 32, mask_zero=True)(src))
    dec_seq = LSTM(64, return_sequences=True)(Embedding(V, 32, mask_zero=True)(tgt), initial_state=[h, c])
    context = Attention()([dec_seq, enc_seq])            # each target step's look at the source
    out = Dense(V, activation="softmax")(Concatenate()([dec_seq, context]))
    model = Model({"source": src, "target_in": tgt}, out)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit({"source": x, "target_in": y_in}, y_out)

A tensor carries its padding mask along the graph, as in Keras. Like Keras 3, a layer called
with ``initial_state`` is not handed the mask (Keras passes masks only to calls on a single
argument): it reads padded steps as real ones, and its output still carries the mask. Pad such a
sequence at the end (as decoder inputs are) and the outputs at the real steps are unaffected.
Each layer may appear once in a
model (it keeps one forward pass's arrays for its backward pass); build a second model on the
same layers to run them differently (say, one decoding step at a time).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .layer import Layer, Shape, check_size

_ids = itertools.count()


@dataclass(eq=False)
class Node:
    """One recorded call: ``layer`` applied to ``inputs`` (sequence, then any initial states)."""

    layer: Layer
    inputs: list[SymbolicTensor]
    outputs: list[SymbolicTensor] = field(default_factory=list)
    states: int = 0  # how many of the inputs came as ``initial_state``


@dataclass(eq=False)
class SymbolicTensor:
    """A placeholder for an array in a graph: its shape (batch axis first, None where unknown),
    the call that produces it (None for an ``Input``) and which of that call's outputs it is."""

    shape: Shape
    node: Node | None = None
    index: int = 0
    name: str | None = None
    dtype: str = "float32"
    id: int = field(default_factory=lambda: next(_ids))

    def __repr__(self) -> str:
        where = (
            self.name if self.node is None else f"{self.node.layer.name or type(self.node.layer).__name__}:{self.index}"
        )
        return f"<SymbolicTensor {where} shape={self.shape}>"


def Input(shape: Sequence[int | None], name: str | None = None, dtype: str = "float32") -> SymbolicTensor:
    """A model input: ``shape`` is one sample's (no batch axis), e.g. ``(None,)`` for word ids
    of any length or ``(T, D)`` for a sequence of vectors."""
    if not isinstance(shape, list | tuple):
        raise ValueError(f"Input: shape must be a tuple, got {shape!r}")
    dims = tuple(None if s is None else check_size(s, "Input: shape entries") for s in shape)
    if name is not None and not isinstance(name, str):
        raise ValueError(f"Input: name must be a string, got {name!r}")
    return SymbolicTensor((None, *dims), name=name, dtype=str(dtype))


def symbolic_call(layer: Layer, inputs: list[Any], states: list[Any]) -> Any:
    """Record ``layer(inputs, initial_state=states)`` and return its symbolic outputs."""
    tensors = inputs + states
    for t in tensors:
        if not isinstance(t, SymbolicTensor):
            raise ValueError(
                f"{type(layer).__name__}: a call on symbolic tensors must not mix in arrays; got {type(t).__name__}"
            )
    shapes = [t.shape for t in tensors]
    if not layer.built:
        if type(layer).build is not Layer.build:
            layer.build(shapes[0])
        else:
            layer.built = True
    node = Node(layer, tensors, states=len(states))
    node.outputs = [SymbolicTensor(s, node, i) for i, s in enumerate(layer.output_shapes(shapes))]
    return node.outputs[0] if len(node.outputs) == 1 else list(node.outputs)


def graph_nodes(outputs: list[SymbolicTensor]) -> list[Node]:
    """The calls that produce ``outputs``, in Keras' order (so ``get_weights`` lists the arrays
    as Keras does): farthest from the outputs first, ties in the order a walk back from the
    outputs first meets them. Every call comes after the calls that produce its inputs."""
    post: list[Node] = []  # parents before children
    first_seen: dict[int, int] = {}
    done: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) in done:
            return
        first_seen.setdefault(id(node), len(first_seen))
        for t in node.inputs:
            if t.node is not None:
                visit(t.node)
        done.add(id(node))
        post.append(node)

    for t in outputs:
        if t.node is not None:
            visit(t.node)
    depth: dict[int, int] = {}
    for node in reversed(post):  # children first: a call is one deeper than its deepest consumer
        d = depth.setdefault(id(node), 0)
        for t in node.inputs:
            if t.node is not None:
                depth[id(t.node)] = max(depth.get(id(t.node), 0), d + 1)
    return sorted(post, key=lambda n: (-depth[id(n)], first_seen[id(n)]))


def graph_inputs(nodes: list[Node], outputs: list[SymbolicTensor]) -> list[SymbolicTensor]:
    """The ``Input`` tensors the graph reads."""
    found: dict[int, SymbolicTensor] = {}
    for node in nodes:
        for t in node.inputs:
            if t.node is None:
                found.setdefault(t.id, t)
    for t in outputs:
        if t.node is None:
            found.setdefault(t.id, t)
    return list(found.values())
