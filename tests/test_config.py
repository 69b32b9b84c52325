import dataclasses

import pytest

from benchmark.run.config import Cell, Grid
from benchmark.run.presets import load_grid, preset_names
from core.errors import UsageError


def test_cell_id_is_a_stable_hash_of_all_fields():
    cell = Cell(task="adding", model="rnn", seq_len=10, seed=0)
    # Pinned: a change here means every stored run stops resuming. Change it deliberately.
    assert cell.id == "3f751cfad13dc954"
    assert Cell.from_dict(cell.to_dict()).id == cell.id
    for change in ({"lr": 2e-3}, {"seed": 1}, {"steps": 5}, {"device": "cuda"}):
        assert dataclasses.replace(cell, **change).id != cell.id


def test_data_seed_pairs_models_and_model_seed_pairs_the_two_lstms():
    a = Cell(task="adding", model="rnn", seq_len=10, seed=0)
    b = dataclasses.replace(a, model="gru")
    assert a.data_seed == b.data_seed and a.model_seed == b.model_seed
    assert a.data_seed != dataclasses.replace(a, seed=1).data_seed
    assert a.data_seed != dataclasses.replace(a, seq_len=20).data_seed


def test_cell_round_trips_through_a_dict():
    cell = Cell(task="noisy_sine", model="gru", seq_len=4, seed=2,
                task_params=(("noise_std", 0.1),))
    assert Cell.from_dict(cell.to_dict()) == cell


def test_grid_cells_are_the_cross_product():
    grid = Grid(tasks=("adding", "bit_memory"), models=("rnn", "lstm"), lengths=(5, 10),
                seeds=3, steps=7)
    cells = grid.cells()
    assert len(cells) == 2 * 2 * 2 * 3
    assert len({c.id for c in cells}) == len(cells)
    assert all(c.steps == 7 for c in cells)


@pytest.mark.parametrize("name", preset_names())
def test_shipped_presets_load(name):
    grid = load_grid(name)
    assert grid.description
    if grid.search == "horizon":  # the seed rule: >= 5 seeds, a margin on the stop
        assert grid.seeds >= 5 and grid.stop_margin < 1
    if name == "long":  # the horizon search over the tasks with a dependency gap
        assert grid.search == "horizon" and (min(grid.lengths), max(grid.lengths)) == (10, 1000)
        assert set(grid.tasks) == {"bit_memory", "adding", "copy_memory"} and grid.seeds == 5
        return
    if name == "zoo":  # the long-memory cells beside the classics, by the horizon search
        assert grid.search == "horizon" and len(grid.models) == 10
        assert {"lmu", "cornn", "indrnn", "exprnn", "lstm:chrono=auto"} <= set(grid.models)
        return
    if name == "modern":  # the linear-recurrence cells beside the gated anchors, to T = 320
        assert {m.partition(":")[0] for m in grid.models} >= {
            "lru", "s4d", "mingru", "minlstm", "slstm", "gru", "lstm"}
        assert (min(grid.lengths), max(grid.lengths)) == (10, 320) and len(grid.lr_grid) == 3
        return
    if name in ("modern_s6", "modern_depth", "modern_lru_ring"):  # modern's companions
        modern = load_grid("modern")
        assert grid.settings() == modern.settings()  # so their cells read beside modern's
        assert (grid.lr_grid, grid.seeds) == (modern.lr_grid, modern.seeds)
        if name == "modern_s6":  # the selective SSM alone, capped, on modern's tasks
            assert grid.models == ("s6",) and max(grid.lengths) < max(modern.lengths)
            assert grid.tasks == modern.tasks
        if name == "modern_depth":  # minGRU / minLSTM two deep
            assert grid.models == ("mingru:layers=2", "minlstm:layers=2")
            assert grid.lengths == modern.lengths
        if name == "modern_lru_ring":  # the LRU on its long-range ring
            assert grid.models == ("lru:layers=2:r_min=0.9",) and "lru:layers=2" in modern.models
            assert (grid.tasks, grid.lengths) == (modern.tasks, modern.lengths)
        return
    if name == "recall":  # the modern memory tasks, scored at longer lengths too
        assert {"selective_copy", "associative_recall", "flip_flop", "delayed_xor"} <= \
            set(grid.tasks) and grid.extrapolate == (2.0, 4.0, 8.0, 16.0)
        return
    if name == "scaling":  # the classic four and chrono LSTM at steps x 3, width x 3, depth 2
        assert set(grid.models) == {"rnn", "rnn:init=identity:nonlinearity=relu", "gru", "lstm",
                                    "lstm:chrono=auto"}
        assert {"bit_memory", "copy_memory", "adding"} <= set(grid.tasks)
        scale = dict(grid.scale)
        assert len(scale["steps"]) == 3 and len(scale["hidden_size"]) >= 3 and \
            scale["layers"] == (1, 2)
        return
    if name == "capacity":  # bits held at once across widths (bits per unit)
        assert grid.tasks == ("bit_capacity",) and len(dict(grid.scale)["hidden_size"]) >= 3
        assert min(grid.lengths) <= 2
        return
    if name == "mnist1d":  # the real-data task on the classic four and the chrono LSTM
        assert grid.tasks == ("mnist1d",) and min(grid.lengths) >= 12
        assert {"rnn", "rnn:init=identity:nonlinearity=relu", "gru", "lstm",
                "lstm:chrono=auto"} == set(grid.models)
        return
    if name.startswith("landmark_"):  # one cell at its authors' scale, on adding
        assert grid.tasks == ("adding",) and len(grid.models) == 1 and grid.hidden_size == 128
        assert 100 in grid.lengths and grid.search == "grid"
        return
    if name == "zoo_fixed":  # the zoo's length-informed cells at fixed settings, the zoo's
        zoo = load_grid("zoo")  # every other setting
        from models import length_informed

        assert not any(length_informed(m) for m in grid.models) and len(grid.models) == 3
        mine = {k: v for k, v in grid.settings().items() if k != "lyapunov"}  # (recorded
        theirs = {k: v for k, v in zoo.settings().items() if k != "lyapunov"}  # diagnostics)
        assert (grid.tasks, grid.lengths, mine) == (zoo.tasks, zoo.lengths, theirs)
        return
    if name == "zoo_tuned":  # the zoo with per-cell rates: every other setting the zoo's,
        # so its evaluation cells at the zoo's rate are the zoo's own (same ids)
        zoo = load_grid("zoo")
        assert len(grid.lr_grid) == 3 and zoo.lr in grid.lr_grid
        assert grid.cell("adding", "gru", 10, 0, lr=zoo.lr).id == \
            zoo.cell("adding", "gru", 10, 0, lr=zoo.lr).id
        assert (grid.models, grid.tasks, grid.lengths) == (zoo.models, zoo.tasks, zoo.lengths)
        return
    assert set(grid.models) >= {"rnn", "lstm_scratch", "gru", "lstm"}
    if name != "tutorial":  # the tutorial's experiment is noisy_sine by definition
        assert set(grid.tasks) == {"bit_memory", "noisy_sine", "adding", "copy_memory"}


def test_tutorial_preset_is_the_tutorial_setting():
    grid = load_grid("tutorial")
    cell = grid.cells()[0]
    assert (cell.task, cell.seq_len, cell.hidden_size, cell.lr, cell.batch_size) == \
        ("noisy_sine", 4, 20, 0.01, 32)
    assert dict(cell.task_params) == {"freq": 0.01, "noise_std": 0.2}
    assert cell.train_size == 600 and not cell.early_stop
    assert cell.steps == 1000 * -(-600 // 32)  # 1000 epochs of ceil(600 / 32) batches


def test_overrides_apply_on_top_of_the_preset():
    grid = load_grid("smoke", {"lengths": [3], "seeds": 2, "lr": 0.1})
    assert grid.lengths == (3,) and grid.seeds == 2 and grid.lr == 0.1


@pytest.mark.parametrize("record, message", [
    ({"tasks": ["adding"], "models": ["rnn"], "lengths": [5], "speed": 1}, "unknown key 'speed'"),
    ({"tasks": ["adding"], "models": ["rnn"], "lengths": [5], "steps": "many"}, "steps='many'"),
    ({"tasks": ["adding"], "models": ["rnn"], "lengths": [0]}, "lengths=\\[0\\]"),
    ({"tasks": ["adding"], "models": ["rnn"], "lengths": [5], "seeds": 1.5}, "seeds=1.5"),
    ({"tasks": ["add"], "models": ["rnn"], "lengths": [5]}, "unknown task 'add'"),
    ({"tasks": ["adding"], "models": ["rnn"], "lengths": [1]}, "seq_len must be"),
    ({"tasks": ["noisy_sine"], "models": ["rnn"], "lengths": [5],
      "task_params": {"noisy_sine": {"noise_std": -1.0}}}, "noise_std=-1.0"),
    ({"models": ["rnn"], "lengths": [5]}, "missing key 'tasks'"),
])
def test_bad_grids_name_the_bad_value(record, message):
    with pytest.raises(UsageError, match=message):
        Grid.from_dict(record, source="x.toml")


def test_a_grid_that_cannot_fit_in_memory_is_refused_and_a_large_one_runs():
    from benchmark.run.limits import cell_bytes, check_fits

    grid = Grid(tasks=("adding",), models=("lstm",), lengths=(10, 1000), hidden_size=64,
                batch_size=64)
    need = cell_bytes(64, 1000, 64)
    assert need == 4 * (8 * 64 * 1000 * 64 + 16 * 64 * 64)
    check_fits(grid, memory=need)  # exactly enough: runs
    with pytest.raises(UsageError, match="adding at T = 1000 with batch 64 and hidden 64"):
        check_fits(grid, memory=need - 1)
    # each stacked layer keeps its own activations and weights: the deepest model decides
    deep = Grid(tasks=("adding",), models=("lstm", "gru:layers=3"), lengths=(1000,),
                hidden_size=64, batch_size=64)
    assert cell_bytes(64, 1000, 64, 3) == 3 * need
    check_fits(deep, memory=3 * need)
    with pytest.raises(UsageError, match="hidden 64 and 3 layers needs"):
        check_fits(deep, memory=3 * need - 1)
