"""The neutral ground between the harness and its plug-ins: the registry pattern and the one
error type for bad user input. ``tasks``, ``models`` and ``benchmark`` all import it at the top;
it imports none of them, so every arrow between the packages runs one way."""

from core.errors import UsageError
from core.registry import Entry, Registry

__all__ = ["Entry", "Registry", "UsageError"]
