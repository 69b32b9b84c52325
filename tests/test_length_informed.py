"""Models told the sequence length: found from their weights (built for two lengths from one
seed), marked in every report label, and each has a fixed setting that is not told."""

import pandas as pd
import pytest

from benchmark.report.context import _models_and_labels
from models import build_model, length_informed, marked_label


@pytest.mark.parametrize("spec, told", [
    ("lstm:chrono=auto", True), ("lmu", True), ("indrnn", True),
    ("lstm:chrono=100", False), ("lmu:theta=100", False), ("indrnn:bound_steps=100", False),
    ("lstm", False), ("gru", False), ("rnn:init=identity:nonlinearity=relu", False),
    ("lru", False), ("gru:layers=2", False), ("lmu:layers=2", True),
])
def test_a_model_is_told_the_length_when_its_initial_weights_depend_on_it(spec, told):
    assert length_informed(spec) is told


def test_indrnn_at_a_fixed_bound_is_the_same_model_at_every_length():
    short = build_model("indrnn:bound_steps=100", 1, 4, 1, None, 20).core
    long = build_model("indrnn:bound_steps=100", 1, 4, 1, None, 2000).core
    told = build_model("indrnn", 1, 4, 1, None, 100).core
    assert short.bound == long.bound == told.bound == pytest.approx(2 ** (1 / 100))


def test_the_mark_reaches_the_report_labels_once():
    assert marked_label("lmu", "LMU") == "LMU [told T]"
    assert marked_label("lmu", "LMU [told T]") == "LMU [told T]"
    assert marked_label("gru", "GRU") == "GRU"
    assert marked_label("not_a_model_here", "mine") == "mine"
    summary = pd.DataFrame({"model": ["lmu", "gru"], "model_label": ["LMU", "GRU"]})
    _, labels = _models_and_labels({"models": ["gru", "lmu"]}, summary)
    assert labels == {"gru": "GRU", "lmu": "LMU [told T]"}
