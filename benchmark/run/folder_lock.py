"""Who may write a run folder: one run at a time, and never over someone else's files."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from core.errors import UsageError


@contextlib.contextmanager
def lock_folder(store) -> Iterator[None]:
    """Hold an exclusive lock on the folder; a second writer is refused, not queued.
    The lock is an flock on the folder itself: the kernel drops it when the process dies,
    so a killed run never leaves it stale, and there is no lock file to delete.
    A folder that holds files but no run of this tool is refused: a run never writes over
    (or cleans up) someone else's files."""
    try:
        exists = store.root.exists()
    except OSError as err:  # a name over the file system's limit, a loop of links
        raise UsageError(f"--out {str(store.root)[:80]}...: cannot use it "
                         f"({err.strerror})") from None
    if exists and not store.root.is_dir():
        raise UsageError(f"--out {store.root} is a file, not a folder")
    if store.cells_dir.exists() and not store.cells_dir.is_dir():
        raise UsageError(f"{store.cells_dir} is a file, where a run keeps its cells; move "
                         "it away and rerun")
    folders = sorted(p.name for p in store.cells_dir.glob("*.npz") if p.is_dir()) \
        if store.cells_dir.is_dir() else []
    if folders:
        raise UsageError(f"{store.cells_dir / folders[0]} is a folder where a cell file "
                         "belongs; move it away and rerun")
    ours = {".lock"}  # a run that is starting holds only its lock
    if store.root.is_dir() and any(p.name not in ours for p in store.root.iterdir()) \
            and store.read_run() is None:
        raise UsageError(f"--out {store.root} holds files but no run.json of a longdep run; "
                         "choose an empty or new folder")
    try:
        store.root.mkdir(parents=True, exist_ok=True)
        # the lock is held on the folder itself, which no one deletes while a run works in
        # it (a lock file could be deleted, and a second run would then take its own)
        handle = os.open(store.root, os.O_RDONLY)
        if not os.access(store.root, os.W_OK):
            os.close(handle)
            raise PermissionError(13, "Permission denied")
    except OSError as err:
        raise UsageError(f"--out {store.root}: cannot write there ({err.strerror})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{store.root} is in use by another run; wait for it to finish "
                             "or choose another --out") from None
        (store.root / ".lock").unlink(missing_ok=True)  # left by a version that used one
        yield
    finally:
        os.close(handle)
