"""The model look map: one style per model, stable across runs, families share a colour."""

from benchmark.report import styles

ZOO = ["rnn", "rnn:init=identity:nonlinearity=relu", "rnn:nonlinearity=relu", "indrnn",
       "exprnn", "lstm", "lstm_scratch", "lstm:forget_bias=1.0", "lstm_scratch:forget_bias=1.0",
       "lstm:chrono=auto", "lstm:forget_bias=2.0", "gru", "gru_scratch", "lmu", "lmu:order=64",
       "cornn", "cornn:dt=0.1", "lstm_scratch:chrono=auto"]


def test_the_map_is_injective_on_a_zoo_of_eighteen():
    looks = [styles.model_style(m) for m in ZOO]
    assert len(set(looks)) == len(ZOO)


def test_a_model_keeps_its_look_whatever_else_runs():
    alone = styles.styles_for(["gru"])["gru"]
    assert styles.styles_for(["rnn", "lmu", "gru", "lstm"])["gru"] == alone
    assert styles.styles_for(ZOO)["lstm:forget_bias=1.0"] == \
        styles.model_style("lstm:forget_bias=1.0")


def test_no_two_lines_of_a_figure_share_colour_and_dash():
    # one family's bare keys (the LRU, S4D and selective SSM are all "ssm"; minGRU and
    # minLSTM "minimal") and a twin's variant beside its library model's differ by marker
    # alone unless the figure moves the later one to a dash of its own
    modern = ["lru:layers=2", "s4d:layers=2", "s6", "mingru", "minlstm", "slstm", "gru",
              "lstm", "lstm:chrono=auto"]
    for models in (modern, ZOO, list(reversed(ZOO))):
        chosen = styles.styles_for(models)
        assert len({(s.colour, s.dash) for s in chosen.values()}) == len(models)
    chosen = styles.styles_for(modern)
    assert chosen["lru:layers=2"] == styles.model_style("lru:layers=2")  # the first keeps its own
    assert chosen["s4d:layers=2"].dash != chosen["lru:layers=2"].dash
    assert chosen["s4d:layers=2"].colour == chosen["lru:layers=2"].colour  # still one family
    # the family's namesake keeps its look though the sLSTM comes first in the run
    assert chosen["lstm"] == styles.model_style("lstm") != chosen["slstm"]
    assert list(chosen) == modern  # in the run's order


def test_families_share_a_colour_and_twins_are_marked():
    lstm, scratch = styles.model_style("lstm"), styles.model_style("lstm_scratch")
    assert scratch.colour == lstm.colour and scratch.dash == styles.TWIN_DASH and lstm.dash == ""
    assert scratch.marker != lstm.marker
    # a variant is a shade of its family's colour: same hue, different lightness
    import colorsys

    base = colorsys.rgb_to_hls(*lstm.colour)
    variant = colorsys.rgb_to_hls(*styles.model_style("lstm:forget_bias=1.0").colour)
    assert abs(base[0] - variant[0]) < 0.02 and base[1] != variant[1]
    assert styles.model_style("gru").colour != lstm.colour


def test_a_clash_inside_one_figure_is_resolved_deterministically(monkeypatch):
    # force two option sets onto one slot: the later model moves to a free dash
    monkeypatch.setattr(styles, "_digest", lambda text: 0)
    chosen = styles.styles_for(["lstm:forget_bias=1.0", "lstm:forget_bias=2.0"])
    assert len(set(chosen.values())) == 2
    assert chosen == styles.styles_for(["lstm:forget_bias=1.0", "lstm:forget_bias=2.0"])


def test_the_legend_is_never_wider_than_the_figure():
    from benchmark.report.plotting import legend_columns

    long = ["simple RNN (init=identity, nonlinearity=relu)", "GRU", "nn.LSTM", "scratch LSTM"]
    assert legend_columns(long, 5.5) == 1  # one panel: one column of long labels
    assert legend_columns(["GRU", "nn.LSTM", "LMU"], 5.5) == 3
    assert legend_columns(long, 16.8) == 3  # four panels
    assert legend_columns(["a"] * 9, 30) == 4 and legend_columns([], 4) == 1


def test_length_ticks_are_thinned_for_a_search_s_close_lengths():
    from benchmark.report.plotting import spread_ticks

    search = [10, 12, 14, 20, 40, 48, 57, 80, 113, 134, 160, 320, 400, 500]
    ticks = spread_ticks(search)
    assert ticks[0] == 10 and ticks[-1] == 500 and len(ticks) <= 6
    assert all(b / a >= 1.4 for a, b in zip(ticks, ticks[1:-1], strict=False))
    assert spread_ticks([10, 30, 100]) == [10, 30, 100]  # a plain grid keeps every length


def test_no_line_is_paler_than_the_page_allows():
    import colorsys

    # the colourblind palette's pink (minGRU and minLSTM's family) is 0.84 light, and a
    # variant's lighter shade of it was near white
    specs = ZOO + ["mingru", "minlstm", "mingru:layers=2", "minlstm:layers=2", "lru:layers=2",
                   "s4d:layers=2", "s6", "lmu:theta=100", "indrnn:bound_steps=100"]
    for spec in specs:
        light = colorsys.rgb_to_hls(*styles.model_style(spec).colour)[1]
        assert light <= styles.LIGHTEST + 1e-9, spec
