"""Writing files safely: `write_atomically`, the one writer every save uses.

A save must never leave half a file (a crash, a full disk, Ctrl-C), never
write somewhere else than asked (a symlink planted where a temporary file
will be), never change who may read the file, and never replace something
that is not a file. So `write_atomically`:

1. looks at the target (`check_target`): a regular file is replaced; a
   symlink to a regular file, or to nothing, is replaced by the file (not
   followed); anything else that exists is refused, naming it, before
   anything is written: a directory (IsADirectoryError) or a FIFO, a device,
   a socket (``shutil.SpecialFileError``), or a symlink to one of those, such
   as ``/dev/stdout``. Renaming a file over ``/dev/null`` as root would
   otherwise turn the device into a plain file;
2. creates a new temporary file in the target's directory under a random
   name, with ``O_CREAT | O_EXCL``: if anything already exists under that
   name (a symlink included) the creation fails and another name is drawn,
   so nothing is ever written through a link;
3. if the target is a regular file, gives the temporary file its owner and
   group, as far as the process may (root may give both; another user may
   keep the group when it is one of theirs, else the file becomes theirs), and
   its permission bits; else the mode a new file normally gets (0o666 minus
   the umask: the kernel applies it, as for ``open(path, "w")``). A symlink's
   own owner and bits mean nothing: the new file gets the new file's;
4. writes the data, flushes it to the disk (``fsync``), and renames it over
   the target (``os.replace``, atomic on POSIX and Windows).

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
import shutil
import stat

__all__ = ["check_target", "write_atomically"]

# Longest part of the target's name kept in the temporary name, in bytes: the
# whole temporary name (".", this, ".", 8 hex digits, ".tmp") stays far below
# the usual limit of 255 bytes even when the target's own name is at it.
_NAME_BYTES_KEPT = 100
_ATTEMPTS = 100  # random names to try before giving up (each clash is 1 in 4 billion)
_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
          | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def write_atomically(path: str | os.PathLike[str], data: bytes | str) -> pathlib.Path:
    """Replace the file at `path` with `data` (a str is written as UTF-8), atomically.

    See the module docstring for the guarantees. Errors are OSErrors naming
    `path`: the usual ones (FileNotFoundError for a missing directory,
    PermissionError, ...), and those of `check_target` for a target that is not
    a regular file. Returns `path` as a `pathlib.Path`.
    """
    target = pathlib.Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomically writes bytes or str, got {type(data).__name__}")
    existing = check_target(target)
    temporary = ""
    try:
        fd, temporary = _create_temporary(target)
        try:
            if existing is not None:
                _keep_owner(fd, existing)
                _set_mode(fd, temporary, stat.S_IMODE(existing.st_mode))
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


def check_target(path: str | os.PathLike[str]) -> os.stat_result | None:
    """Whether `write_atomically` may replace what is at `path`, and what it is.

    Returns the ``lstat`` of a regular file (whose owner, group and mode the
    new file keeps), or None when there is nothing there, or a symlink to a
    regular file or to nothing (a link is replaced, never followed). Raises,
    naming `path` and what it is, IsADirectoryError for a directory and
    ``shutil.SpecialFileError`` (an OSError) for a FIFO, a device or a socket,
    or for a symlink to any of these: ``/dev/stdout`` is a symlink to a FIFO
    or a terminal.
    """
    target = pathlib.Path(path)
    try:
        info = target.lstat()
    except OSError:  # nothing there, or a path the creation will refuse with its own error
        return None
    if stat.S_ISREG(info.st_mode):
        return info
    if not stat.S_ISLNK(info.st_mode):
        raise _not_a_regular_file(target, info.st_mode, "")
    try:
        pointed_at = target.stat()
    except OSError:  # a dangling link, or a loop of links
        return None
    if not stat.S_ISREG(pointed_at.st_mode):
        raise _not_a_regular_file(target, pointed_at.st_mode, "a symlink to ")
    return None


def _not_a_regular_file(target: pathlib.Path, mode: int, prefix: str) -> OSError:
    """The error refusing `target`: ``[Errno 95] a FIFO, not a regular file: 'path'``."""
    words = f"{prefix}a {_file_kind(mode)}, not a regular file"
    if stat.S_ISDIR(mode):
        return IsADirectoryError(errno.EISDIR, words, str(target))
    return shutil.SpecialFileError(errno.EOPNOTSUPP, words, str(target))


def _file_kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"),
             (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
             (stat.S_ISSOCK, "socket")]
    return next((kind for test, kind in kinds if test(mode)), "special file")


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


def _keep_owner(fd: int, existing: os.stat_result) -> None:
    """Give the open file the owner and group of `existing`, as far as this process may.

    Root may give both. Another user may not give a file away, but may give it
    to a group of theirs: then only the group is kept. Otherwise the file stays
    the process's own; never an error.
    """
    if not hasattr(os, "fchown"):  # Windows
        return
    for owner in (existing.st_uid, -1):  # -1: leave the owner as it is
        try:
            os.fchown(fd, owner, existing.st_gid)
            return
        except OSError:
            continue


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
