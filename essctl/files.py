"""Writing the files essctl keeps (a tape being recorded, the template cache): whole or not at all, and never through
a link someone else placed. The content goes to a new file of a unique name in the target's folder (created with
O_EXCL, which refuses an existing name or a symbolic link), is flushed to disk, and is then renamed over the target;
a failure removes the new file and leaves the target as it was."""
from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

_UMASK: int | None = None


def _new_file_mode() -> int:
    """rw for whoever the umask allows, as a plain open() would create the file."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def temporary_beside(path: Path) -> tuple[int, Path]:
    """A new, empty file of a unique name in `path`'s folder, open for writing: (descriptor, its path)."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    return handle, Path(name)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) in one rename. An existing target keeps its permissions; a symbolic link
    at the target is replaced, not followed. Raises OSError (ENOSPC, EACCES, ...) with the target unchanged."""
    data = text.encode("utf-8")
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    mode = stat.S_IMODE(existing.st_mode) if existing and stat.S_ISREG(existing.st_mode) else _new_file_mode()
    handle, temporary = temporary_beside(path)
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def check_writable(path: Path) -> None:
    """That `path` can be written by write_atomically, before anything depends on it: its folder exists (it is
    made) and takes a new file, and the target, when there, is a regular file (not a link) the user may write.
    Raises OSError, or ValueError naming what is wrong with the target."""
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None:
        if stat.S_ISLNK(existing.st_mode):
            raise ValueError("is a symbolic link (name the file itself)")
        if not stat.S_ISREG(existing.st_mode):
            raise ValueError("is not a regular file")
        if not os.access(path, os.W_OK):
            raise PermissionError(13, "Permission denied")
    for folder in (path.parent, *path.parent.parents):
        if os.path.lexists(folder):
            if not folder.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a folder")
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = temporary_beside(path)
    os.close(handle)
    temporary.unlink(missing_ok=True)
