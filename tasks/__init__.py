"""Pluggable sequence-task generators. A new task is one module here and one import below."""

from core.plugins import accept_plugins
from tasks import (  # noqa: F401  (importing a task module registers it)
    adding,
    bit_memory,
    copy_memory,
    multiplication,
    noisy_sine,
    plugins,
    temporal_order,
)
from tasks.base import Task
from tasks.registry import TASKS, get_task, register

# import paths on first use, and installed packages' entry points, after the built-ins
accept_plugins(TASKS, "task", plugins.ENTRY_POINT_GROUP, plugins.register_plugin)

__all__ = ["TASKS", "Task", "get_task", "register"]
