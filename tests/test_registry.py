import pytest

from core.errors import UsageError
from core.registry import Registry
from models import MODELS
from tasks import TASKS


def test_required_keys_are_registered():
    assert {"bit_memory", "noisy_sine", "adding"} <= set(TASKS.keys())
    assert {"rnn", "lstm_scratch", "gru", "lstm"} <= set(MODELS.keys())
    labels = {e.key: e.label for e in MODELS}
    assert labels["rnn"] == "simple RNN" and labels["lstm_scratch"] == "scratch LSTM"
    assert labels["gru"] == "GRU" and labels["lstm"] == "nn.LSTM"


def test_duplicate_key_is_refused():
    registry = Registry("widget")
    registry.register("a", label="A", description="first")(object())
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a", label="A", description="again")(object())


def test_unknown_key_lists_the_known_ones():
    with pytest.raises(UsageError, match=r"unknown model .lsmt.; known: cornn, exprnn, gru, "):
        MODELS.get("lsmt")
