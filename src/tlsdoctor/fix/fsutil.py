"""Atomic file operations: every file the fix engine writes goes through here.

A write is: temp file in the *same directory* (so ``os.replace`` is a rename within
one file system, which POSIX makes atomic), write, ``fsync`` the file, set its mode,
``os.replace`` over the target, ``fsync`` the directory (so the rename itself is
durable). A reader — or a crash at any instant — sees either the old bytes or the
new bytes, never a mix.

Symbolic links are followed: dotfiles are often symlinks into a managed directory
(GNU stow, chezmoi, home-manager), and replacing the link by a regular file would
silently detach the user's file from that repository. The real file is written.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from typing import Optional, Tuple


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def real_path(path: str) -> str:
    """The file a write to ``path`` should replace (symlinks resolved, ``~`` expanded)."""
    return os.path.realpath(os.path.expanduser(path))


def read_state(path: str) -> Tuple[Optional[bytes], Optional[int]]:
    """(bytes, permission bits) of the file, or (None, None) when it does not exist."""
    try:
        with open(real_path(path), "rb") as fh:
            st = os.fstat(fh.fileno())
            return fh.read(), stat.S_IMODE(st.st_mode)
    except FileNotFoundError:
        return None, None


def fsync_dir(directory: str) -> None:
    # Directory fsync makes the rename durable on Linux; some systems (Windows,
    # some network file systems) cannot open a directory: then the rename is all
    # we can do.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def missing_dirs(directory: str) -> list:
    """The directories ``makedirs(directory)`` would create, outermost first."""
    missing = []
    probe = os.path.abspath(directory)
    while not os.path.isdir(probe):
        missing.append(probe)
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return list(reversed(missing))


def makedirs(directory: str, mode: int = 0o700) -> list:
    """Create ``directory`` and its missing parents; return the ones created (outermost first)."""
    created = []
    for d in missing_dirs(directory):
        try:
            os.mkdir(d, mode)
            created.append(d)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    return created


def atomic_write(path: str, data: bytes, mode: Optional[int] = None) -> None:
    """Replace ``path`` with ``data`` atomically; keep the current mode unless ``mode`` is given."""
    target = real_path(path)
    directory = os.path.dirname(target)
    owner = None
    try:
        st = os.stat(target)
        owner = (st.st_uid, st.st_gid)
        if mode is None:
            mode = stat.S_IMODE(st.st_mode)
    except FileNotFoundError:
        pass
    if mode is None:
        # A new file gets the user's usual default (0644 under umask 022).
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tlsdoctor-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if owner is not None and hasattr(os, "chown") and owner != (os.geteuid(), os.getegid()):
            # Run as root (sudo) over a user's file: the replacement must stay theirs,
            # or their next login finds a root-owned ~/.bashrc it cannot edit.
            try:
                os.chown(tmp, *owner)
            except PermissionError:
                pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(directory)


def remove(path: str) -> None:
    target = real_path(path)
    try:
        os.unlink(target)
    except FileNotFoundError:
        return
    fsync_dir(os.path.dirname(target))
