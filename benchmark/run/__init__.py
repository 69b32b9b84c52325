"""The run: settings, cells, execution, training, the run folder."""
