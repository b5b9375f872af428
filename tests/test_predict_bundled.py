"""The bundled sentiment model: present, small, and right about obvious reviews written for this test."""

import pytest

from tutor import sentiment

PATH = sentiment.bundled_model_path()

POSITIVE = [
    "An absolute delight from start to finish. The performances are superb, the script is witty and "
    "moving, and I loved every minute of it. One of the best films I have seen in years.",
    "Beautifully shot and wonderfully acted. A touching, funny and heartfelt story that I would happily "
    "watch again. Highly recommended.",
    "I was blown away. Brilliant direction, a fantastic cast and a great soundtrack: a masterpiece.",
]
NEGATIVE = [
    "A complete waste of time. The plot makes no sense, the acting is wooden and the dialogue is "
    "embarrassing. I was bored from the first scene and nearly walked out.",
    "Dull, predictable and far too long. The jokes fall flat and the characters are annoying. "
    "Avoid this one; it is one of the worst films I have ever seen.",
    "Terrible. Poorly written, badly acted and painfully boring. I want my two hours back.",
]


def test_bundled_model_is_present_and_small():
    assert PATH.is_file(), "assets/sentiment-model.npz is missing"
    assert PATH.stat().st_size <= 5 * 1024 * 1024
    sm = sentiment.load_model()
    assert sm.input == "sequence" and sm.maxlen == 500 and len(sm.vocab) == 10_000
    assert (PATH.parent / "sentiment-model.md").is_file()


@pytest.mark.parametrize(("text", "label"), [(t, "positive") for t in POSITIVE] + [(t, "negative") for t in NEGATIVE])
def test_obvious_reviews(text, label):
    result = sentiment.predict_text(text)
    assert result["label"] == label, result["influence"]
    assert len(result["trajectory"]) == len(result["tokens"])


def test_the_words_that_moved_it_are_sentiment_words():
    result = sentiment.predict_text("The story was dull and the ending was awful.")
    moved = [w["word"] for w in result["influence"][:3]]
    assert "dull" in moved or "awful" in moved
