"""rnn-tutor: learn recurrent neural networks by running them in the terminal."""

__version__ = "0.1.0"
