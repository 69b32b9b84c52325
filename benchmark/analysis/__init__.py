"""The analysis: pure functions over a run's stored tables."""
