"""What reading one uploaded file may cost, and the reading of ZIP members within it.

A document or sheet is read under a budget: the bytes its ZIP members expand to, the XML elements
(or PDF pages) it holds, the seconds and the memory the reading takes. A file over any of them is
refused with an ``OverBudget`` whose message names the limit; nothing about it is kept.

The sizes a ZIP declares are never trusted: members are decompressed in chunks and counted as
they come, and reading stops at the budget. Plain Python (no Django), so that the reading can run
in a child process that has not set Django up (``records.confined``).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

MB = 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Budget:
    expanded_bytes: int = 100 * MB
    elements: int = 2_000_000
    pages: int = 2_000
    seconds: float = 20.0
    memory_bytes: int = 1024 * MB


class OverBudget(Exception):  # noqa: N818 - a refusal the user reads, not a program error
    """The file is over one of its budgets; args[0] is the sentence for the user."""

    def __str__(self):
        return self.args[0]


def document_budget() -> Budget:
    """The budget of a document read for its CONFIDENTIAL marking or stamped (from the settings)."""
    from django.conf import settings

    return Budget(
        expanded_bytes=settings.DOCUMENT_MAX_EXPANDED_BYTES, elements=settings.DOCUMENT_MAX_ELEMENTS,
        pages=settings.DOCUMENT_MAX_PAGES, seconds=settings.DOCUMENT_MAX_SECONDS,
        memory_bytes=settings.DOCUMENT_MAX_MEMORY_BYTES,
    )


def sheet_budget() -> Budget:
    """The budget of an inventory sheet read for an import (from the settings)."""
    from django.conf import settings

    return Budget(
        expanded_bytes=settings.IMPORT_MAX_EXPANDED_BYTES, elements=settings.IMPORT_MAX_ELEMENTS,
        seconds=settings.IMPORT_MAX_SECONDS, memory_bytes=settings.IMPORT_MAX_MEMORY_BYTES,
    )


def too_expanded(budget: Budget) -> OverBudget:
    return OverBudget(f"This file expands to more than {_mb(budget.expanded_bytes)} MB when unpacked, so it was not read.")


def too_many_elements(budget: Budget) -> OverBudget:
    return OverBudget(
        f"This file holds more than {budget.elements:,} elements (paragraphs, runs, cells and the like), "
        "so it was not read."
    )


def too_many_pages(budget: Budget) -> OverBudget:
    return OverBudget(f"This PDF has more than {budget.pages:,} pages, so it was not read.")


def too_slow(budget: Budget) -> OverBudget:
    return OverBudget(f"This file took longer than {budget.seconds:g} s to read, so it was not read.")


def too_much_memory(budget: Budget) -> OverBudget:
    return OverBudget(f"Reading this file needed more than {_mb(budget.memory_bytes)} MB of memory, so it was not read.")


def _mb(size: int) -> str:
    megabytes = size / MB
    return f"{megabytes:,.0f}" if megabytes >= 10 else f"{megabytes:.2g}"


class ArchiveReader:
    """Reads the members of one ZIP archive within one budget, shared by every member read.

    Elements are counted as XML start tags (every ``<`` that does not begin an end tag), which
    never counts fewer than there are; the count is kept for every member, XML or not.
    """

    def __init__(self, archive: zipfile.ZipFile, budget: Budget):
        self.archive = archive
        self.budget = budget
        self.expanded = 0
        self.elements = 0

    def read(self, name: str) -> bytes:
        return b"".join(self._chunks(name))

    def scan(self) -> None:
        """Read every member to its end (keeping nothing): raises OverBudget if the archive is over."""
        for info in self.archive.infolist():
            for _ in self._chunks(info):
                pass

    def _chunks(self, member):
        with self.archive.open(member) as stream:
            previous_last = b""
            while chunk := stream.read(_CHUNK):
                self.expanded += len(chunk)
                if self.expanded > self.budget.expanded_bytes:
                    raise too_expanded(self.budget)
                self.elements += chunk.count(b"<") - chunk.count(b"</") - (previous_last == b"<" and chunk[:1] == b"/")
                if self.elements > self.budget.elements:
                    raise too_many_elements(self.budget)
                previous_last = chunk[-1:]
                yield chunk
