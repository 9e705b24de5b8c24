"""The ZIP writer of the certification package, read back by zipfile and by Info-ZIP's unzip."""

import shutil
import subprocess
import zipfile

import pytest

from records.ziparchive import ZipWriter

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


def test_an_entry_must_be_closed_before_the_next_one_or_the_directory(tmp_path):
    with open(tmp_path / "package.zip", "wb") as raw:
        archive = ZipWriter(raw)
        archive.open("first.txt", STAMP)
        with pytest.raises(ValueError, match="first.txt is still being written"):
            archive.open("second.txt", STAMP)
        with pytest.raises(ValueError, match="first.txt is still being written"):
            archive.close()
