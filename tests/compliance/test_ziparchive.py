"""The ZIP writer of the certification package, read back by zipfile and by Info-ZIP's unzip."""

import hashlib
import io
import shutil
import subprocess
import tempfile
import zipfile

import pytest

from compliance.ziparchive import ZipWriter

STAMP = (2026, 3, 1, 10, 11, 12)


def write_archive(path, entries):
    with open(path, "wb") as raw, ZipWriter(raw) as archive:
        for name, blocks in entries:
            with archive.open(name, STAMP) as entry:
                for block in blocks:
                    entry.write(block)
    return path


@pytest.fixture
def archive_path(tmp_path):
    text = "".join(f"{n},event,“quoted”\n" for n in range(50_000)).encode()
    return write_archive(tmp_path / "package.zip", [
        ("events.csv", [text[i:i + 65536] for i in range(0, len(text), 65536)]),
        ("empty.txt", []),
        ("notes-é.txt", [b"non-ASCII name"]),
        ("random.bin", [bytes(range(256)) * 1000]),
    ])


def test_zipfile_reads_every_entry_back_deflated_and_dated(archive_path):
    with zipfile.ZipFile(archive_path) as archive:
        assert archive.testzip() is None  # every CRC-32 matches
        assert archive.namelist() == ["events.csv", "empty.txt", "notes-é.txt", "random.bin"]
        infos = archive.infolist()
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in infos)
        assert all(info.date_time == (2026, 3, 1, 10, 11, 12) for info in infos)
        assert all(info.external_attr >> 16 == 0o644 for info in infos)
        events = archive.read("events.csv").decode()
        assert events.startswith("0,event,“quoted”\n") and events.endswith("49999,event,“quoted”\n")
        assert len(events.splitlines()) == 50_000
        assert archive.getinfo("events.csv").file_size == len(events.encode())
        assert archive.getinfo("events.csv").compress_size < len(events) / 4
        assert archive.read("empty.txt") == b""
        assert archive.read("notes-é.txt") == b"non-ASCII name"
        assert archive.read("random.bin") == bytes(range(256)) * 1000


def test_zipfile_streams_an_entry_back(archive_path):
    with zipfile.ZipFile(archive_path) as archive, archive.open("events.csv") as events:
        assert sum(1 for _ in events) == 50_000


@pytest.mark.skipif(shutil.which("unzip") is None, reason="needs Info-ZIP's unzip")
def test_unzip_tests_the_archive_clean(archive_path):
    result = subprocess.run(["unzip", "-t", str(archive_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors detected" in result.stdout


def test_a_spooled_entry_is_written_beside_another_and_attached_after_it(tmp_path):
    path = tmp_path / "package.zip"
    with open(path, "wb") as raw, ZipWriter(raw) as archive, tempfile.TemporaryFile() as spool:
        with archive.open("first.txt", STAMP) as first:
            first.write(b"first\n")
        with archive.open("lines.jsonl", STAMP, spool=spool) as aside, archive.open("lines.csv", STAMP) as beside:
            for number in range(1000):
                aside.write(f'{{"n": {number}}}\n'.encode())
                beside.write(f"{number}\n".encode())
        archive.attach(aside)
        with archive.open("last.txt", STAMP) as last:
            last.write(b"last\n")
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["first.txt", "lines.csv", "lines.jsonl", "last.txt"]
        assert archive.read("lines.jsonl").decode().splitlines()[-1] == '{"n": 999}'
        assert archive.read("lines.csv").decode().splitlines()[-1] == "999"
        assert archive.read("last.txt") == b"last\n"
    if shutil.which("unzip"):
        assert subprocess.run(["unzip", "-tq", str(path)], capture_output=True, timeout=60).returncode == 0


def test_the_archive_is_written_in_order_so_it_can_be_hashed_on_the_way():
    class WriteOnly:
        def __init__(self):
            self.buffer, self.digest = io.BytesIO(), hashlib.sha256()

        def write(self, data):
            self.digest.update(data)
            return self.buffer.write(data)

    out = WriteOnly()
    with ZipWriter(out) as archive, archive.open("notes.txt", STAMP) as entry:
        entry.write(b"notes\n" * 1000)
    with zipfile.ZipFile(io.BytesIO(out.buffer.getvalue())) as archive:
        assert archive.read("notes.txt") == b"notes\n" * 1000
    assert out.digest.hexdigest() == hashlib.sha256(out.buffer.getvalue()).hexdigest()


def test_only_a_closed_spooled_entry_can_be_attached(tmp_path):
    with open(tmp_path / "package.zip", "wb") as raw, tempfile.TemporaryFile() as spool:
        archive = ZipWriter(raw)
        aside = archive.open("aside.txt", STAMP, spool=spool)
        with pytest.raises(ValueError, match="aside.txt is not a closed, spooled entry"):
            archive.attach(aside)
        in_place = archive.open("in-place.txt", STAMP)
        in_place.close()
        with pytest.raises(ValueError, match="in-place.txt is not a closed, spooled entry"):
            archive.attach(in_place)


def test_an_entry_must_be_closed_before_the_next_one_or_the_directory(tmp_path):
    with open(tmp_path / "package.zip", "wb") as raw:
        archive = ZipWriter(raw)
        archive.open("first.txt", STAMP)
        with pytest.raises(ValueError, match="first.txt is still being written"):
            archive.open("second.txt", STAMP)
        with pytest.raises(ValueError, match="first.txt is still being written"):
            archive.close()
