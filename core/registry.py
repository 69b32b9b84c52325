"""A small name -> entry registry shared by tasks and models (one pattern for both).

Entries register under a short key; a duplicate key is refused and an unknown key is answered
with the list of known ones, so a typo on the command line gets a useful one-line error. Each
entry carries a human label, a one-line description and free-form ``traits`` (metadata the
harness reads instead of guessing from the key, e.g. a model's family).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from core.errors import UsageError


@dataclass(frozen=True)
class Entry:
    key: str
    obj: Any
    label: str
    description: str
    traits: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class Registry:
    """Maps keys to registered objects, with a human label and a one-line description each."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}
        # called with a key that is not registered; may register it (plug-ins) and return True
        self.resolve_missing: Callable[[str], bool] | None = None

    def register(self, key: str, *, label: str, description: str,
                 **traits: Any) -> Callable[[Any], Any]:
        def decorator(obj: Any) -> Any:
            self.add(Entry(key, obj, label, description, MappingProxyType(dict(traits))))
            return obj

        return decorator

    def add(self, entry: Entry) -> None:
        if entry.key in self._entries:
            raise ValueError(f"{self.kind} {entry.key!r} is already registered")
        self._entries[entry.key] = entry

    def remove(self, key: str) -> None:
        """Forget an entry (tests register throw-away entries and must leave no trace)."""
        self._entries.pop(key, None)

    def entry(self, key: str) -> Entry:
        if key not in self._entries and self.resolve_missing is not None:
            self.resolve_missing(key)
        try:
            return self._entries[key]
        except KeyError:
            raise UsageError(
                f"unknown {self.kind} {key!r}; known: {', '.join(sorted(self._entries))} "
                "(or a plug-in as module.path:Name)"
            ) from None

    def get(self, key: str) -> Any:
        return self.entry(key).obj

    def keys(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str) and key not in self._entries and self.resolve_missing:
            try:
                self.resolve_missing(key)
            except UsageError:
                return False
        return key in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))
