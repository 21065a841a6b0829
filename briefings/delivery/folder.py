"""Delivery to a folder (a shared drive): the edition's files copied in, each atomically.

Contract: :func:`send` copies every file of the edition into the directory
the settings name (relative to the project, or absolute; it must exist).
This is the one place the tool writes outside the project, because the user
named it. Each file is written under a temporary name and renamed over its
final name, all relative to one open descriptor of the directory, with
``O_NOFOLLOW`` and ``O_EXCL``: nothing inside the folder is followed through
a symbolic link (a link at a file's name is replaced, not written through).
The snapshot goes last, as in ``output/editions/``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from briefings.delivery.email import DeliveryFailed, SettingProblem
from briefings.delivery.parcel import Parcel


def target(folder: str, root: Path) -> Path:
    return root / Path(folder).expanduser()


def send(folder: str, parcel: Parcel, root: Path) -> None:
    directory = target(folder, root)
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        raise SettingProblem(f"the folder {folder} does not exist (create it, or correct the path)") from None
    except NotADirectoryError:
        raise SettingProblem(f"the folder {folder} is not a directory") from None
    except OSError as error:
        raise DeliveryFailed(f"cannot open the folder {folder} ({error.strerror})") from None
    try:
        for extension in sorted(parcel.files, key=lambda name: name == "json"):
            _copy(parcel.read(extension, root), parcel.files[extension].name, descriptor, folder)
    finally:
        os.close(descriptor)


def _copy(data: bytes, name: str, directory: int, folder: str) -> None:
    temporary = f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=directory)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
            os.fsync(handle)
        finally:
            os.close(handle)
        os.rename(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    except OSError as error:
        try:
            os.unlink(temporary, dir_fd=directory)
        except OSError:
            pass
        raise DeliveryFailed(f"cannot write {name} in the folder {folder} ({error.strerror})") from None
