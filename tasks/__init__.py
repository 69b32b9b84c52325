"""Pluggable sequence-task generators. A new task is one module here and one import below."""

from tasks import adding, bit_memory, copy_memory, noisy_sine, plugins  # noqa: F401  (registers them)
from tasks.base import Task
from tasks.registry import TASKS, get_task, register

plugins.load_entry_points()  # installed packages' tasks, after the built-ins

__all__ = ["TASKS", "Task", "get_task", "register"]
