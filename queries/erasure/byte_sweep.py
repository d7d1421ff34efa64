"""A file's bytes as they are stored and as they are once decompressed.

A raw search cannot see inside a gzip stream or the deflate-compressed
blocks of an Avro file (Iceberg's manifests and manifest lists, whose
column bounds can be an identifier), so the sweep reads those decompressed:
a gzip file whole, an Avro object container block by block with the codec
its header names (pyiceberg's own codecs). Parquet pages are searched value
by value elsewhere (`check`).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator

from pyiceberg.avro.codecs import KNOWN_CODECS

AVRO_MAGIC = b"Obj\x01"
GZIP_MAGIC = b"\x1f\x8b"
SYNC_SIZE = 16


class SweepError(Exception):
    """A compressed file cannot be decompressed: it is reported, never passed as clean."""


def _long(stream: io.BufferedIOBase) -> int:
    """An Avro long: zig-zag, variable length."""
    shift = result = 0
    while True:
        byte = stream.read(1)
        if not byte:
            raise SweepError("the Avro file ends inside a number")
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return (result >> 1) ^ -(result & 1)
        shift += 7


def _bytes(stream: io.BufferedIOBase) -> bytes:
    size = _long(stream)
    data = stream.read(size)
    if size < 0 or len(data) != size:
        raise SweepError("the Avro file ends inside a value")
    return data


def _avro_blocks(data: bytes) -> Iterator[bytes]:
    stream = io.BytesIO(data)
    stream.read(len(AVRO_MAGIC))
    header = {}
    while (count := _long(stream)) != 0:
        if count < 0:
            _long(stream)
            count = -count
        for _ in range(count):
            key = _bytes(stream).decode("utf-8", errors="replace")
            header[key] = _bytes(stream)
    yield data[:stream.tell()]
    codec_name = header.get("avro.codec", b"null").decode()
    if codec_name not in KNOWN_CODECS:
        raise SweepError(f"unknown Avro codec {codec_name!r}")
    codec = KNOWN_CODECS[codec_name]
    stream.read(SYNC_SIZE)
    while stream.tell() < len(data):
        _long(stream)
        block = _bytes(stream)
        yield codec.decompress(block) if codec else block
        stream.read(SYNC_SIZE)


def readable_pieces(data: bytes, name: str) -> Iterator[bytes]:
    """A file's bytes, decompressed where it is a gzip stream or an Avro
    container; one or more pieces, each searched on its own."""
    try:
        if data.startswith(GZIP_MAGIC):
            yield gzip.decompress(data)
        elif data.startswith(AVRO_MAGIC):
            yield from _avro_blocks(data)
        else:
            yield data
    except (OSError, EOFError, ValueError) as problem:
        raise SweepError(f"{name} cannot be decompressed: {problem}") from None
