"""The bundled sentiment model for the views that read text, or why it is not there."""

from __future__ import annotations

from typing import Any

NO_MODEL = (
    "No bundled sentiment model: assets/sentiment-model.npz is not installed, so this view "
    "has nothing to read with. It ships with rnn-tutor: reinstall the package to get it."
)


def bundled_model() -> tuple[Any | None, str]:
    """(the loaded `tutor.sentiment.SentimentModel`, "") or (None, why it cannot be used).

    Call it from a worker thread: the first load reads the whole file.
    """
    try:
        from tutor import sentiment

        if not sentiment.bundled_model_path().is_file():
            return None, NO_MODEL
        return sentiment.load_model(), ""
    except Exception as exc:  # a damaged file: say what is wrong instead of failing the lesson
        return None, f"The bundled sentiment model could not be loaded: {exc}"


def embedding_table(model: Any) -> tuple[Any | None, str]:
    """The model's word vectors, one row per vocabulary id, and what they are; None if it has none."""
    from tutor.engine import Dense, Embedding

    first = model.model.layers[0]
    if isinstance(first, Embedding):
        return first.params["E"], f"its Embedding layer ({first.output_dim} numbers per word)"
    if isinstance(first, Dense) and model.input == "bag_of_words":
        # a bag-of-words network's first layer has one weight row per word: that row is the word's vector
        return first.params["W"], f"the first Dense layer's row of each word ({first.params['W'].shape[1]} numbers)"
    return None, "the model has no per-word vectors"
