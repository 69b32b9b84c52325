"""A plug-in package for longdep, kept outside ``models/`` and ``tasks/``: one recurrent cell
and one task, used by docs/PLUGINS.md and run end to end by tests/test_plugins.py."""
