"""Deterministic zip entries, and copying already-compressed entries from another archive.

Every entry gets the same timestamp (1980-01-01), mode (0644), system and compression level,
so equal contents give equal bytes. `copy_entry` moves an entry's compressed bytes as they are
(no recompression): the Lambda zip reuses its dependencies' archive that way, which makes a
code-change rebuild take milliseconds instead of a second.
"""

from __future__ import annotations

import copy
import struct
import zipfile
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644 << 16
LEVEL = 6


def add_file(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.external_attr = FILE_MODE
    info.create_system = 3
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data, compresslevel=LEVEL)


def write_zip(entries: list[tuple[str, Path]], dest: Path) -> None:
    """Same inputs, same bytes: fixed order, timestamps, modes and compression."""
    with zipfile.ZipFile(dest, "w") as archive:
        for name, path in entries:
            add_file(archive, name, path.read_bytes())


def copy_entry(source: zipfile.ZipFile, info: zipfile.ZipInfo, archive: zipfile.ZipFile) -> None:
    """Append `info`'s compressed bytes from `source` to `archive` unchanged.

    zipfile has no public raw copy; this uses its documented on-disk layout and the writer's
    bookkeeping attributes (fp, filelist, NameToInfo, start_dir), stable since Python 3.6.
    """
    assert source.fp is not None and archive.fp is not None
    source.fp.seek(info.header_offset)
    header_size: int = zipfile.sizeFileHeader  # type: ignore[attr-defined]  # not in typeshed
    header = source.fp.read(header_size)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    source.fp.seek(info.header_offset + header_size + name_length + extra_length)
    data = source.fp.read(info.compress_size)
    clone = copy.copy(info)
    clone.header_offset = archive.fp.tell()
    archive.fp.write(clone.FileHeader())
    archive.fp.write(data)
    archive.filelist.append(clone)
    archive.NameToInfo[clone.filename] = clone
    archive.start_dir = archive.fp.tell()
    archive._didModify = True  # type: ignore[attr-defined]  # close() then writes the directory
