"""Where the lake's files live: a local folder or an object store (S3 and
the stores that speak its protocol).

Formats read, list, write and replace files through this interface only,
so a Hive folder, a Delta table and the erasure's byte sweep work the same
on both. Paths are text: absolute paths locally, `bucket/key` on object
storage (pyarrow's convention). Two things differ and are said here:
DuckDB reads local Parquet files itself, and an object store has no
rename, so replacing a file is a copy then a delete (each reader still
sees a whole object, the old or the new).
"""

from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs

from queries.warehouse.table_format import DataFile
from settings import OBJECT_STORE_SCHEMES, ObjectStorageSettings

_HIDDEN = (".", "_")


class StorageError(Exception):
    """The lake's storage cannot be reached or used; the message says why."""


def _credentials(reach: ObjectStorageSettings) -> tuple[str, str]:
    """From the settings, else from the environment, where they are better kept."""
    return (reach.access_key_id or os.environ.get("AWS_ACCESS_KEY_ID", ""),
            reach.secret_access_key or os.environ.get("AWS_SECRET_ACCESS_KEY", ""))


def delta_options(reach: ObjectStorageSettings) -> dict[str, str]:
    """The object store's endpoint and credentials as delta-rs's storage options."""
    key, secret = _credentials(reach)
    options = {"AWS_REGION": reach.region or os.environ.get("AWS_REGION", "us-east-1"),
               "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
    if reach.endpoint:
        options |= {"AWS_ENDPOINT_URL": reach.endpoint,
                    "AWS_ALLOW_HTTP": str(reach.endpoint.startswith("http://")).lower()}
    if key and secret:
        options |= {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    return options


def storage_at(location: str | Path, reach: ObjectStorageSettings = ObjectStorageSettings()) -> Storage:
    """The storage of a warehouse location: a local folder, or `s3://bucket/prefix` reached as `reach` says."""
    if str(location).startswith(OBJECT_STORE_SCHEMES):
        return ObjectStorage(str(location), reach)
    return LocalStorage(Path(location))


class Storage(ABC):
    root: str
    local: bool

    @staticmethod
    def join(*parts: str) -> str:
        return "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts) if p)

    @staticmethod
    def name(path: str) -> str:
        return path.rstrip("/").rsplit("/", 1)[-1]

    def relative(self, path: str) -> str:
        """A path as people read it: inside the warehouse, relative to it."""
        prefix = self.root.rstrip("/") + "/"
        return path[len(prefix):] if path.startswith(prefix) else path

    def inside(self, path: str) -> bool:
        return path.startswith(self.root.rstrip("/") + "/")

    @abstractmethod
    def subfolders(self, folder: str) -> list[str]:
        """The folder's immediate subfolders, as paths, in name order."""

    @abstractmethod
    def files(self, folder: str, hidden: bool = False) -> list[DataFile]:
        """Every file below the folder, in path order: without hidden or
        underscore-prefixed files and folders (writers' staging areas,
        markers) unless `hidden`; never following a link."""

    @abstractmethod
    def is_dir(self, path: str) -> bool: ...

    @abstractmethod
    def stat(self, path: str) -> DataFile | None:
        """The file's size and modification time; None when there is none."""

    @abstractmethod
    def open(self, path: str) -> pa.NativeFile:
        """The file for reading, with random access (Parquet and ORC footers)."""

    def read_bytes(self, path: str) -> bytes:
        with self.open(path) as source:
            return source.read()

    def head(self, path: str, size: int) -> bytes:
        with self.open(path) as source:
            return source.read(size)

    @abstractmethod
    @contextmanager
    def output(self, path: str) -> Iterator[pa.NativeFile]:
        """A new file, durable once the block ends."""

    def write_bytes(self, path: str, data: bytes) -> None:
        with self.output(path) as out:
            out.write(data)

    @abstractmethod
    def replace(self, source: str, target: str) -> None:
        """`source` becomes `target`, durably; readers see a whole file."""

    @abstractmethod
    def remove(self, path: str) -> None: ...

    def sha256(self, path: str) -> str:
        digest = hashlib.sha256()
        with self.open(path) as source:
            for block in iter(lambda: source.read(8 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    @abstractmethod
    def identity(self, path: str) -> str:
        """What changes whenever the file is written again, even with the
        same size and a modification time set back."""

    @abstractmethod
    def uri(self, path: str) -> str:
        """The path as other libraries take it (deltalake): local, or `s3://bucket/key`."""


class LocalStorage(Storage):
    local = True

    def __init__(self, root: Path):
        self.root = str(Path(root).resolve())
        if not Path(self.root).is_dir():
            raise StorageError(f"warehouse folder {self.root} does not exist")

    def subfolders(self, folder: str) -> list[str]:
        return [str(p) for p in sorted(Path(folder).iterdir()) if p.is_dir() and not p.is_symlink()]

    def files(self, folder: str, hidden: bool = False) -> list[DataFile]:
        found = []
        for directory, subfolders, names in os.walk(folder):
            subfolders[:] = sorted(d for d in subfolders if hidden or not d.startswith(_HIDDEN))
            for name in sorted(names):
                path = os.path.join(directory, name)
                if (hidden or not name.startswith(_HIDDEN)) and not os.path.islink(path):
                    stat = os.stat(path)
                    found.append(DataFile(path, stat.st_size, stat.st_mtime_ns))
        return found

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def stat(self, path: str) -> DataFile | None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        return DataFile(path, stat.st_size, stat.st_mtime_ns)

    def open(self, path: str) -> pa.NativeFile:
        return pa.OSFile(path, "rb")

    @contextmanager
    def output(self, path: str) -> Iterator[pa.NativeFile]:
        with pa.OSFile(path, "wb") as out:
            yield out
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def replace(self, source: str, target: str) -> None:
        os.replace(source, target)
        directory = os.open(os.path.dirname(target), os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def remove(self, path: str) -> None:
        os.unlink(path)

    def identity(self, path: str) -> str:
        """Its inode and change time, which no tool can set back."""
        status = os.stat(path)
        return f"{status.st_ino}\0{status.st_ctime_ns}"

    def uri(self, path: str) -> str:
        return path


class ObjectStorage(Storage):
    local = False

    def __init__(self, location: str, reach: ObjectStorageSettings):
        parsed = urlparse(location)
        self.root = (parsed.netloc + parsed.path).rstrip("/")
        endpoint = urlparse(reach.endpoint) if reach.endpoint else None
        key, secret = _credentials(reach)
        try:
            self._fs = pafs.S3FileSystem(
                access_key=key or None, secret_key=secret or None, region=reach.region or None,
                endpoint_override=endpoint.netloc if endpoint else None,
                scheme=endpoint.scheme if endpoint else "https")
            if self._fs.get_file_info(parsed.netloc).type == pafs.FileType.NotFound:
                raise StorageError(f"bucket {parsed.netloc} does not exist")
        except (OSError, ValueError) as problem:
            raise StorageError(f"{location} cannot be reached: {str(problem).splitlines()[0]}") from None

    def _infos(self, folder: str) -> list[pafs.FileInfo]:
        return self._fs.get_file_info(pafs.FileSelector(folder, recursive=True, allow_not_found=True))

    def subfolders(self, folder: str) -> list[str]:
        listed = self._fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        return sorted(i.path for i in listed if i.type == pafs.FileType.Directory)

    def files(self, folder: str, hidden: bool = False) -> list[DataFile]:
        prefix = folder.rstrip("/") + "/"
        return sorted((DataFile(i.path, i.size, i.mtime_ns) for i in self._infos(folder)
                       if i.type == pafs.FileType.File and (hidden or not any(
                           part.startswith(_HIDDEN) for part in i.path[len(prefix):].split("/")))),
                      key=lambda f: f.path)

    def is_dir(self, path: str) -> bool:
        return self._fs.get_file_info(path).type == pafs.FileType.Directory

    def stat(self, path: str) -> DataFile | None:
        info = self._fs.get_file_info(path)
        return DataFile(path, info.size, info.mtime_ns) if info.type == pafs.FileType.File else None

    def open(self, path: str) -> pa.NativeFile:
        return self._fs.open_input_file(path)

    @contextmanager
    def output(self, path: str) -> Iterator[pa.NativeFile]:
        # pyarrow would otherwise gzip a stream named *.gz a second time
        with self._fs.open_output_stream(path, compression=None) as out:
            yield out

    def replace(self, source: str, target: str) -> None:
        self._fs.move(source, target)

    def remove(self, path: str) -> None:
        self._fs.delete_file(path)

    def identity(self, path: str) -> str:
        """Its modification time to the nanosecond, which a PUT sets and nobody can."""
        info = self._fs.get_file_info(path)
        return f"{info.size}\0{info.mtime_ns}"

    def uri(self, path: str) -> str:
        return f"s3://{path}"
