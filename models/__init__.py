"""Recurrent models: a registry of core builders, each core wrapped in the shared readout.
A new model is one module here and one import below."""

from core.plugins import accept_plugins
from models import (  # noqa: F401  (importing a model module registers it)
    cornn,
    exprnn,
    gru,
    gru_scratch,
    indrnn,
    lmu,
    lru,
    lstm,
    lstm_scratch,
    minimal_rnn,
    plugins,
    rnn,
    s4d,
    s6,
    slstm,
)
from models.gru_scratch import ScratchGRU
from models.lstm_scratch import ScratchLSTM
from models.options import Option
from models.readout import SequenceModel
from models.registry import (
    MODELS,
    build_model,
    check_spec,
    length_informed,
    marked_label,
    model_depth,
    model_label,
    model_traits,
    register,
    with_layers,
)

# import paths on first use, and installed packages' entry points, after the built-ins
accept_plugins(MODELS, "model", plugins.ENTRY_POINT_GROUP, plugins.register_plugin)

__all__ = ["MODELS", "Option", "ScratchGRU", "ScratchLSTM", "SequenceModel", "build_model",
           "check_spec", "model_depth", "model_label", "model_traits", "register",
           "with_layers", "length_informed", "marked_label"]
