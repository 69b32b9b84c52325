"""Pluggable sequence-task generators. A new task is one module here and one import below."""

from tasks import adding, bit_memory, copy_memory, noisy_sine  # noqa: F401  (registers them)
from tasks.base import Task
from tasks.registry import TASKS, get_task, register

__all__ = ["TASKS", "Task", "get_task", "register"]
