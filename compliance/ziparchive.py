"""A ZIP archive written one entry at a time, each entry deflated by ISA-L (isal) as it streams in.

zipfile compresses with zlib and offers no way to choose another deflate; ISA-L's deflate is about
four times as fast as zlib's fastest level and compresses better, and its CRC-32 five times as fast,
which is what lets a certification package of a million audit events keep up with the database.
The format written is the common subset every unzip reads: ZIP64 (entries and archive may pass
4 GiB), deflate, each entry's CRC-32 and sizes in a data descriptor after its data, no encryption.
The archive is written strictly in order, never seeking back, so whoever writes it can hash it on
the way.

    with ZipWriter(out) as archive:
        with archive.open("notes.txt", (2026, 3, 1, 10, 11, 12)) as entry:
            entry.write(b"...")

An entry may also be written aside, into a file of its own (a spool), while another entry is
written into the archive; once both are closed, attach() copies it in. That is how two files made
at the same time (the audit events as CSV and as JSON Lines) end up one after the other.
"""

import struct

from isal import isal_zlib

#: ISA-L's levels run from 0 to 3; 1 is its fast default, already smaller than zlib's level 1.
COMPRESS_LEVEL = 1

_VERSION = 45  # 4.5: ZIP64
_MADE_BY = (3 << 8) | _VERSION  # Unix, so that the external attributes carry the file's mode
_DEFLATED = 8
_DATA_DESCRIPTOR = 1 << 3  # CRC-32 and sizes follow the data
_UTF8_NAME = 1 << 11
_ZIP64_EXTRA = 0x0001
_UNKNOWN_32, _UNKNOWN_16 = 0xFFFFFFFF, 0xFFFF  # "see the ZIP64 record"
_COPY_BYTES = 1 << 20

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_ZIP64 = struct.Struct("<HHQQ")  # id, size, uncompressed size, compressed size (0 here: see the descriptor)
_DESCRIPTOR = struct.Struct("<IIQQ")  # signature, CRC-32, compressed size, uncompressed size
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_CENTRAL_ZIP64 = struct.Struct("<HHQQQ")  # id, size, uncompressed size, compressed size, header offset
_END_ZIP64 = struct.Struct("<IQHHIIQQQQ")
_END_ZIP64_LOCATOR = struct.Struct("<IIQI")
_END = struct.Struct("<IHHHHIIH")


class ZipWriter:
    """Writes a ZIP archive to `out`, anything with write(bytes), one entry at a time (others may
    be spooled beside it); closing the writer writes the central directory. `out` is left open."""

    def __init__(self, out):
        self.out, self.position, self.entries, self.open_entry = out, 0, [], None

    def open(self, name, date_time, mode=0o644, spool=None):
        """A writable entry named `name`, dated `date_time` (year, month, day, hour, minute,
        second; the ZIP format keeps even seconds) with the Unix permissions `mode`. With `spool`
        (an empty binary file opened for writing and reading) the entry is written there instead,
        beside the entry being written into the archive, and joins the archive by attach()."""
        if spool is not None:
            return _Entry(self, spool.write, name, date_time, mode, spool=spool)
        self._check_no_open_entry()
        self.open_entry = _Entry(self, self._write, name, date_time, mode)
        return self.open_entry

    def attach(self, entry):
        """Copy the closed, spooled `entry` into the archive after the entries written so far
        (its local header holds no offset, so it is copied as it is)."""
        self._check_no_open_entry()
        if entry.spool is None or not entry.closed:
            raise ValueError(f"{entry.name} is not a closed, spooled entry")
        entry.offset = self.position
        entry.spool.seek(0)
        while block := entry.spool.read(_COPY_BYTES):
            self._write(block)
        self.entries.append(entry)

    def close(self):
        self._check_no_open_entry()
        start = self.position
        for entry in self.entries:
            name = entry.name.encode()
            self._write(_CENTRAL_HEADER.pack(
                0x02014B50, _MADE_BY, _VERSION, entry.flags, _DEFLATED, entry.dos_time, entry.dos_date, entry.crc,
                _UNKNOWN_32, _UNKNOWN_32, len(name), _CENTRAL_ZIP64.size, 0, 0, 0, entry.mode << 16, _UNKNOWN_32,
            ))
            self._write(name)
            self._write(_CENTRAL_ZIP64.pack(
                _ZIP64_EXTRA, _CENTRAL_ZIP64.size - 4, entry.size, entry.compressed_size, entry.offset,
            ))
        end = self.position
        count, size = len(self.entries), end - start
        self._write(_END_ZIP64.pack(0x06064B50, _END_ZIP64.size - 12, _MADE_BY, _VERSION, 0, 0, count, count,
                                    size, start))
        self._write(_END_ZIP64_LOCATOR.pack(0x07064B50, 0, end, 1))
        self._write(_END.pack(0x06054B50, 0, 0, min(count, _UNKNOWN_16), min(count, _UNKNOWN_16),
                              min(size, _UNKNOWN_32), min(start, _UNKNOWN_32), 0))

    def _write(self, data):
        self.out.write(data)
        self.position += len(data)

    def _check_no_open_entry(self):
        if self.open_entry is not None:
            raise ValueError(f"{self.open_entry.name} is still being written")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            self.close()


class _Entry:
    """One entry of the archive, written through `write` (into the archive, or into its spool):
    bytes in, deflated out."""

    def __init__(self, archive, write, name, date_time, mode, spool=None):
        year, month, day, hour, minute, second = date_time
        self.archive, self.name, self.mode, self.spool, self.closed = archive, name, mode, spool, False
        self.flags = _DATA_DESCRIPTOR | (0 if name.isascii() else _UTF8_NAME)
        self.dos_date = (year - 1980) << 9 | month << 5 | day
        self.dos_time = hour << 11 | minute << 5 | second // 2
        self.crc, self.size, self.compressed_size = 0, 0, 0
        self.offset = archive.position
        self.compressor = isal_zlib.compressobj(COMPRESS_LEVEL, isal_zlib.DEFLATED, -15)
        self._out = write
        encoded = name.encode()
        write(_LOCAL_HEADER.pack(0x04034B50, _VERSION, self.flags, _DEFLATED, self.dos_time, self.dos_date, 0,
                                 _UNKNOWN_32, _UNKNOWN_32, len(encoded), _LOCAL_ZIP64.size))
        write(encoded)
        write(_LOCAL_ZIP64.pack(_ZIP64_EXTRA, _LOCAL_ZIP64.size - 4, 0, 0))

    def write(self, data):
        self.crc = isal_zlib.crc32(data, self.crc)
        self.size += len(data)
        self._write_compressed(self.compressor.compress(data))

    def close(self):
        self._write_compressed(self.compressor.flush())
        self._out(_DESCRIPTOR.pack(0x08074B50, self.crc, self.compressed_size, self.size))
        self.closed = True
        self._release()
        if self.spool is None:
            self.archive.entries.append(self)

    def _write_compressed(self, data):
        self.compressed_size += len(data)
        self._out(data)

    def _release(self):
        if self.archive.open_entry is self:
            self.archive.open_entry = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            self.close()
        else:
            self._release()  # the archive is abandoned with it
