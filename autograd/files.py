"""Writing files safely: `write_atomically`, the one writer every save uses.

A save must never leave half a file (a crash, a full disk, Ctrl-C), never
write somewhere else than asked (a symlink planted where a temporary file
will be), and never change who may read the file. So `write_atomically`:

1. creates a new temporary file in the target's directory under a random
   name, with ``O_CREAT | O_EXCL``: if anything already exists under that
   name (a symlink included) the creation fails and another name is drawn,
   so nothing is ever written through a link;
2. gives it the target's permission bits if the target is a regular file,
   else the mode a new file normally gets (0o666 minus the umask: the kernel
   applies it, as for ``open(path, "w")``);
3. writes the data, flushes it to the disk (``fsync``), and renames it over
   the target (``os.replace``, atomic on POSIX and Windows). A symlink at the
   target itself is replaced by the file, not followed.

Readers see either the old file or the new one, whole. Threads or processes
saving the same path at once each write their own temporary file; the last
rename wins and the file is complete. On any error the temporary file is
removed and the target is unchanged.

Why not ``tempfile.mkstemp``: it always creates mode 0o600, and a program can
learn its umask only by changing it (``os.umask``), which races with other
threads; opening with ``O_EXCL`` ourselves lets the kernel apply the umask.
"""

from __future__ import annotations

import errno
import os
import pathlib
import secrets
import stat

__all__ = ["write_atomically"]

# Longest part of the target's name kept in the temporary name, in bytes: the
# whole temporary name (".", this, ".", 8 hex digits, ".tmp") stays far below
# the usual limit of 255 bytes even when the target's own name is at it.
_NAME_BYTES_KEPT = 100
_ATTEMPTS = 100  # random names to try before giving up (each clash is 1 in 4 billion)
_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
          | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def write_atomically(path: str | os.PathLike[str], data: bytes | str) -> pathlib.Path:
    """Replace the file at `path` with `data` (a str is written as UTF-8), atomically.

    See the module docstring for the guarantees. Errors are the usual OSErrors
    (FileNotFoundError for a missing directory, PermissionError, ...), naming
    `path`. Returns `path` as a `pathlib.Path`.
    """
    target = pathlib.Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomically writes bytes or str, got {type(data).__name__}")
    mode = _mode_to_keep(target)
    temporary = ""
    try:
        fd, temporary = _create_temporary(target)
        try:
            if mode is not None:
                _set_mode(fd, temporary, mode)
            _write_all(fd, content)
        finally:
            os.close(fd)
        os.replace(temporary, target)
        temporary = ""
    except OSError as error:
        if error.errno is None:
            raise
        # Name the file the caller asked for, not the temporary one.
        raise type(error)(error.errno, error.strerror or str(error), str(target)) from None
    finally:
        if temporary:
            _remove_quietly(temporary)
    _sync_directory(target.parent)
    return target


def _mode_to_keep(target: pathlib.Path) -> int | None:
    """The permission bits of `target` if it is a regular file; None otherwise.

    ``lstat``: a symlink's own bits mean nothing (the link is replaced by the file).
    """
    try:
        info = target.lstat()
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def _create_temporary(target: pathlib.Path) -> tuple[int, str]:
    """Create and open a new file next to `target` under a random name."""
    directory = target.parent
    stem = target.name
    while len(os.fsencode(stem)) > _NAME_BYTES_KEPT:
        stem = stem[:-1]
    for _ in range(_ATTEMPTS):
        name = os.path.join(directory, f".{stem}.{_random_part()}.tmp")
        try:
            return os.open(name, _FLAGS, 0o666), name
        except FileExistsError:
            continue  # a clash, or something planted there: never touch it, draw again
    raise FileExistsError(errno.EEXIST, "no free temporary name next to it", str(target))


def _write_all(fd: int, content: bytes | bytearray | memoryview) -> None:
    """Write every byte (os.write may write fewer), then flush them to the disk."""
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _set_mode(fd: int, name: str, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # Windows: only the read-only bit means anything there
        os.chmod(name, mode)


def _random_part() -> str:
    return secrets.token_hex(4)


def _remove_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def _sync_directory(directory: pathlib.Path) -> None:
    """Flush the rename to the disk too (POSIX); best effort, never an error."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
