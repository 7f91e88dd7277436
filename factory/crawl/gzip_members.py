"""Multi-member gzip, read one member at a time, that never fails or ends quietly on bad bytes.

A ``.warc.gz`` holds one gzip member per record (Common Crawl's WARC and WET files do); a JSONL
dump usually one member in all. Python's ``gzip`` stops at the first bad byte, and warcio swallows
gzip's ``EOFError``: a cut file's last record comes back short, as if it were whole. Here every
member ends in one of three ways, kept in ``ended``: ``None`` (its trailer was read and its CRC
checked), ``truncated`` (the file ends inside it) or ``corrupt_gzip`` (zlib rejected it). After a
corrupt member, or bytes between members that are not gzip, reading resumes at the next gzip header
that really starts a member (checked by decompressing its first bytes), so one bad member costs
only itself. The bad region is looked for from the compressed block zlib rejected, not from the
member's start: a member whose junk zlib took for data across the next member's header would lose
that member too (zlib rejects random bytes within a few hundred, so this is rare).

A file that is neither gzip nor the plain text the caller accepts from its first byte cannot be read
at all: ``UnreadableCrawlFile``, naming the file and what its first bytes are.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from typing import IO

TRUNCATED, CORRUPT_GZIP = "truncated", "corrupt_gzip"
MAGIC = b"\x1f\x8b\x08"
BLOCK = 1 << 16
PROBE_BYTES = 1024  # compressed bytes decompressed to accept a gzip header found while resynchronising


class UnreadableCrawlFile(ValueError):
    """A crawl file with nothing readable in it (not gzip, junk from its first byte); the message names the file."""


class GzipMembers:
    """``next_member()`` moves to the next member; ``member_stream()`` gives its decompressed bytes, then b"".

    ``plain(first_bytes)`` says whether an uncompressed file is acceptable (read as one member).
    ``junk_before`` counts the non-zero bytes skipped before the current member that no corrupt member explains.
    """

    def __init__(self, stream: IO[bytes], source: str, plain: Callable[[bytes], bool] = lambda first: False):
        self.stream, self.source = stream, source
        self.pending, self.pending_offset = b"", 0  # compressed bytes read, not yet decompressed; file offset of [0]
        self.decompressor = None
        self.member_offset, self.member_output, self.members = 0, 0, 0
        self.ended: str | None = None
        self.detail = ""
        self.junk_before = 0
        self.running = False
        self.total_output, self.members_failed = 0, 0  # bytes out of the whole file; members that ended badly or junk
        self._fill()
        first = self.pending[:64]
        self.plain = bool(first) and not first.startswith(MAGIC) and plain(first)
        if first and not first.startswith(MAGIC) and not self.plain:
            raise UnreadableCrawlFile(f"{source}: not a gzip file (it starts with {first[:16]!r})")

    def member_stream(self) -> io.BufferedReader:
        """The current member's bytes as a buffered stream (``readline``, ``read``)."""
        return io.BufferedReader(_MemberView(self), BLOCK)

    @property
    def where(self) -> str:
        return f"byte {self.member_offset}"

    def next_member(self) -> bool:
        """Skip what is left of the current member and start the next; False at the end of the file."""
        while self.running:
            self.readinto(bytearray(BLOCK))
        after_corruption = self.ended == CORRUPT_GZIP  # the bytes skipped now are that member's: counted with it
        trusted = self.ended is None  # a header right after a clean member needs no probe
        self.member_output, self.ended, self.detail, self.junk_before = 0, None, "", 0
        if self.plain:
            if self.members:
                return False
            self.members, self.running = 1, True
            return True
        skipped = self._seek_member(trusted)
        if not after_corruption:
            self.junk_before = skipped
            self.members_failed += skipped > 0
        if not self.pending:
            return False
        self.member_offset, self.members, self.running = self.pending_offset, self.members + 1, True
        self.decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return True

    def readinto(self, buffer) -> int:
        if not self.running or not len(buffer):
            return 0
        if self.plain:
            data = self._take(len(buffer))
            if not data:
                self.running = False
            return self._out(buffer, data)
        while True:
            data = self.pending
            try:
                out = self.decompressor.decompress(data, len(buffer))
            except zlib.error as error:
                self._end(CORRUPT_GZIP, f"zlib: {error}")
                if self.pending_offset == self.member_offset:  # the bad bytes start this member: look past its header
                    self._consume(1)
                return 0
            if self.decompressor.eof:
                rest = self.decompressor.unused_data
                self._consume(len(data) - len(rest))
                self._end(None, "")
                return self._out(buffer, out)
            self._consume(len(data) - len(self.decompressor.unconsumed_tail))
            if out:
                return self._out(buffer, out)
            if not self.pending and not self._fill():
                self._end(TRUNCATED, "the file ends inside this gzip member")
                return 0

    # -- helpers -------------------------------------------------------------------------
    def _out(self, buffer, data: bytes) -> int:
        buffer[: len(data)] = data
        self.member_output += len(data)
        self.total_output += len(data)
        return len(data)

    def _end(self, reason: str | None, detail: str) -> None:
        self.running, self.ended, self.detail = False, reason, detail
        self.members_failed += reason is not None

    def _fill(self) -> bool:
        data = self.stream.read(BLOCK)
        if data:
            self.pending += data
        return bool(data)

    def _consume(self, count: int) -> None:
        self.pending, self.pending_offset = self.pending[count:], self.pending_offset + count

    def _take(self, count: int) -> bytes:
        if not self.pending:
            self._fill()
        data = self.pending[:count]
        self._consume(len(data))
        return data

    def _seek_member(self, trusted: bool) -> int:
        """Advance ``pending`` to the next real gzip member header; return the non-zero bytes skipped."""
        skipped = 0
        while True:
            if len(self.pending) < PROBE_BYTES:
                self._fill()
            if not self.pending:
                return skipped
            at = self.pending.find(MAGIC)
            if at == 0 and (trusted or self._starts_member()):
                return skipped
            trusted = False
            cut = max(at, 1) if at >= 0 else max(len(self.pending) - len(MAGIC) + 1, 1)
            skipped += len(self.pending[:cut].replace(b"\x00", b""))  # zero padding between members is harmless
            self._consume(cut)

    def _starts_member(self) -> bool:
        while len(self.pending) < PROBE_BYTES and self._fill():
            pass
        try:
            zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(self.pending[:PROBE_BYTES], 1 << 16)
        except zlib.error:
            return False
        return True


class _MemberView(io.RawIOBase):
    """A raw stream over the current member; closing it (as its BufferedReader does when collected) closes nothing."""

    def __init__(self, members: GzipMembers):
        super().__init__()
        self.members = members

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self.members.readinto(buffer)
