"""longdep's harness: configuration, training, gradients, the parallel grid, storage, statistics
and the report. Kept import-light: submodules are imported where they are used."""
