"""Recurrent models: a registry of builders, each a core wrapped in the shared readout.
A new model is one module here and one import below."""

from models import gru, lstm, lstm_scratch, rnn  # noqa: F401  (registers the models)
from models.lstm_scratch import ScratchLSTM
from models.readout import SequenceModel
from models.registry import MODELS, build_model, register

__all__ = ["MODELS", "ScratchLSTM", "SequenceModel", "build_model", "register"]
