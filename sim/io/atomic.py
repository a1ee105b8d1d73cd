"""Outputs that are never half-written: files renamed into place, folders published by a link.

At every instant a reader finds either the complete old output or the complete new one.

* A **file** is written beside its final name (``.NAME.PID.tmp``) and renamed over it
  (:func:`write_file`); a rename within one folder is atomic on POSIX.
* A **folder** (a zarr store, a comparison's tables, a report's charts) cannot be replaced by one
  rename, so it is *published*: each version is written to its own folder
  ``.NAME.versions/ID``, a manifest of its files with their sizes and sha256 is written in it last
  (:data:`MANIFEST`), and ``NAME`` is a symbolic link to the current version, swapped with one
  rename (:func:`publish_folder`). Readers open ``NAME`` as a folder, as before, and
  :func:`check_published` refuses a version whose manifest is missing or does not match its files.
  The versions the link does not point to are removed after the swap, and by the next publish
  when a process was killed in between.
* :func:`clean_temporaries` removes what a killed writer of an output left beside it (its
  ``.NAME.*.tmp`` files and unpublished versions); :func:`clean_folder` empties a run's folder of
  ``.*.tmp`` files.

Symbolic links need a POSIX file system (Linux, macOS, cluster file systems); on Windows they need
developer mode.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MANIFEST = ".manifest.json"
TEMP_SUFFIX = ".tmp"


class IncompleteOutput(Exception):
    """A published folder without a valid manifest: it was never completely written."""


def temporary_name(path: Path) -> Path:
    """``.NAME.PID.tmp`` beside ``path``: unique per process, found by :func:`clean_temporaries`."""
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def write_file(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.

    A failure (or a kill) leaves ``path`` as it was; what an earlier killed writer of ``path``
    left beside it is removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_temporaries(path)
    tmp = temporary_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    return write_file(path, lambda tmp: tmp.write_bytes(data))


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def unwritable(path: str | os.PathLike, folder: bool = False) -> str | None:
    """Why the file (or ``folder``) ``path`` cannot be written, or None when it can, as far as
    can be told before writing: the nearest existing ancestor must be a writable folder."""
    path = Path(path).absolute()
    if path.exists() and path.is_dir() != folder:
        return f"{path} exists and is {'a file' if folder else 'a folder'}"
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor} is a file, so nothing can be written under it"
    try:  # a real attempt: permission bits say nothing for root or on special file systems
        with tempfile.TemporaryFile(dir=ancestor):  # unnamed on Linux: a kill leaves nothing
            pass
    except OSError as err:
        return f"nothing can be written in {ancestor} ({err.strerror or err})"
    return None


def versions_folder(path: Path) -> Path:
    return path.with_name(f".{path.name}.versions")


def not_replaceable(path: str | os.PathLike, ours: Callable[[Path], bool]) -> str | None:
    """Why publishing at ``path`` would destroy something that is not a version of this output,
    or None. ``ours(folder)`` recognises a plain folder this output was written as before outputs
    were published; anything else already at ``path`` (a user's folder or file) is never
    replaced."""
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return None
    if path.is_symlink():
        target = Path(os.readlink(path))
        if target.parent == Path(versions_folder(path).name):
            return None
        return f"{path} is a link that sim did not make; move or delete it"
    if path.is_dir() and ours(path):
        return None
    kind = "folder" if path.is_dir() else "file"
    return f"{path} is a {kind} that is not an output of sim; move or delete it, or write elsewhere"


def publish_folder(
    path: str | os.PathLike,
    write: Callable[[Path], object],
    ours: Callable[[Path], bool] = lambda folder: False,
) -> Path:
    """Write a new version of the folder ``path`` with ``write(folder)`` and publish it.

    ``path`` becomes (or stays) a symbolic link to ``.NAME.versions/ID``. A failure or a kill
    leaves the previous version published; its leftovers are removed by the next publish. A
    plain folder at ``path`` is replaced only when ``ours`` recognises it as an earlier output;
    anything else raises :class:`FileExistsError` before anything is written.
    """
    path = Path(path)
    problem = not_replaceable(path, ours)
    if problem:
        raise FileExistsError(errno.EEXIST, problem.removeprefix(f"{path} "), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    versions = versions_folder(path)
    clean_temporaries(path)
    versions.mkdir(exist_ok=True)
    new = versions / f"{time.time_ns()}-{os.getpid()}"
    try:
        new.mkdir()
        write(new)
        _write_manifest(new)
        _swap_link(path, new)
    except BaseException:
        if not _is_current(path, new):
            shutil.rmtree(new, ignore_errors=True)
        raise
    _remove_old_versions(path)
    return path


def check_published(path: str | os.PathLike) -> Path:
    """The folder ``path`` (a published link or a plain folder) after checking its manifest.

    Raises :class:`IncompleteOutput` when the manifest is missing or a file is missing or
    differs from it.
    """
    path = Path(path)
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise IncompleteOutput(f"{path} is incomplete: it has no {MANIFEST} (written last)")
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        raise IncompleteOutput(f"{path} is incomplete: its {MANIFEST} is not readable") from None
    for name, entry in listed.items():
        file = path / name
        if not file.is_file() or file.stat().st_size != entry["size"]:
            raise IncompleteOutput(f"{path} is incomplete: {name} is missing or truncated")
        if sha256_of(file) != entry["sha256"]:
            raise IncompleteOutput(f"{path} is incomplete: {name} differs from its manifest")
    return path


def clean_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove what killed writers of the output ``path`` left beside it: its ``.NAME.*.tmp``
    files and folders, and the versions no link points to. Returns what was removed."""
    path = Path(path)
    removed: list[Path] = []
    if not path.parent.is_dir():
        return removed
    own = re.compile(re.escape(f".{path.name}.") + r"\d+" + re.escape(TEMP_SUFFIX))
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*{TEMP_SUFFIX}"):
        if own.fullmatch(stale.name):  # not .NAME.nc.PID.tmp, another output's
            _remove(stale)
            removed.append(stale)
    return removed + _remove_old_versions(path)


def clean_folder(folder: str | os.PathLike) -> list[Path]:
    """Remove every ``.*.tmp`` left in ``folder``, a folder only this program writes to
    (a run's folder)."""
    folder = Path(folder)
    removed = sorted(folder.glob(f".*{TEMP_SUFFIX}")) if folder.is_dir() else []
    for stale in removed:
        _remove(stale)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _write_manifest(folder: Path) -> None:
    files = {
        str(f.relative_to(folder)): {"size": f.stat().st_size, "sha256": sha256_of(f)}
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }
    write_text(folder / MANIFEST, json.dumps({"files": files}, indent=1))


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _swap_link(path: Path, target: Path) -> None:
    if path.exists() and not path.is_symlink():
        # A folder written before outputs were published: move it aside first (the only moment
        # without an output, once per such folder).
        legacy = versions_folder(path) / f"0-legacy-{os.getpid()}"
        os.replace(path, legacy)
    link = temporary_name(path)
    link.unlink(missing_ok=True)
    link.symlink_to(target.relative_to(path.parent))
    os.replace(link, path)


def _is_current(path: Path, version: Path) -> bool:
    return path.is_symlink() and path.resolve() == version.resolve()


def _remove_old_versions(path: Path) -> list[Path]:
    versions = versions_folder(path)
    if not versions.is_dir():
        return []
    current = path.resolve() if path.is_symlink() else None
    removed = []
    for version in versions.iterdir():
        if version.resolve() != current:
            shutil.rmtree(version, ignore_errors=True)
            removed.append(version)
    return removed
