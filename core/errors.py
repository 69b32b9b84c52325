"""The one exception type for bad user input: the CLI prints its message as one line, exits 2."""


class UsageError(ValueError):
    """Bad input from the user (an unknown name, an out-of-range number, a bad preset file)."""
