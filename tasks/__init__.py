"""Pluggable sequence-task generators. A new task is one module here and one import below."""

from core.plugins import accept_plugins
from tasks import (  # noqa: F401  (importing a task module registers it)
    adding,
    associative_recall,
    bit_capacity,
    bit_memory,
    copy_memory,
    delayed_xor,
    flip_flop,
    mnist1d,
    multiplication,
    noisy_sine,
    plugins,
    selective_copy,
    temporal_order,
)
from tasks.base import Task
from tasks.registry import TASKS, get_task, register

# import paths on first use, and installed packages' entry points, after the built-ins
accept_plugins(TASKS, "task", plugins.ENTRY_POINT_GROUP, plugins.register_plugin)

__all__ = ["TASKS", "Task", "get_task", "register"]
