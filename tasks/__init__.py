"""Pluggable sequence-task generators. A new task is one module here and one import below."""

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

plugins.load_entry_points()  # installed packages' tasks, after the built-ins

__all__ = ["TASKS", "Task", "get_task", "register"]
