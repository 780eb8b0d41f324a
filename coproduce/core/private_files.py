"""Files only the install's own user may read: the var/ folder, the SQLite database, the
generated secret key. Made with owner-only modes when they are created (whatever the umask), so
no other account on the machine reads members' data. Imported by the settings, so no Django here.

SQLite gives its -wal and -shm files the database file's mode, so creating the (empty, valid)
database file first is enough for all three."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) readable by the owner only; an existing folder is left
    as the operator made it."""
    if not path.exists():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        path.chmod(DIR_MODE)  # mkdir's mode is reduced by the umask, never widened; this is exact


def private_file(path: Path) -> None:
    """Create an empty `path` readable by the owner only, unless it exists."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def generated_secret(path: Path) -> str:
    """The secret stored at `path`, generated the first time. Written to a private temporary file
    and linked into place, so processes starting together all read the one complete secret."""
    if not path.exists():
        private_dir(path.parent)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: everyone uses theirs
        finally:
            temporary.unlink()
    return path.read_text().strip()
