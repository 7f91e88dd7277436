"""Bytes of a page or a dump line as text, and whether they are text at all.

Which charset, in this order (the first that decodes without an error wins):

1. a byte-order mark;
2. UTF-8, when the bytes are valid UTF-8: valid multi-byte UTF-8 is almost never a legacy charset by
   accident, while pages that declare ISO-8859-1 but are UTF-8 are common;
3. the declared charset (HTTP ``Content-Type``, else ``<meta charset>``);
4. UTF-8 with the bad bytes replaced, when the bytes hold more valid multi-byte sequences than invalid
   bytes (damaged UTF-8: a legacy decode would garble every other non-ASCII character);
5. the charset resiliparse detects (uchardet; windows-1252 when it can only say "UTF-8", which the
   bytes are not), then whichever of the declared, detected and UTF-8 decodings replaces the fewest
   characters.

A page decoded in a guessed charset keeps its text and is not counted. Only text that is really lost
counts: when more than ``MAX_REPLACED_SHARE`` of its characters had to be replaced by U+FFFD, the
record is ``undecodable_text``; fewer replacements are kept (and noted in the document's metadata).
``binary_payload``: bytes served as text that are an image, an archive or other binary data.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

MAX_REPLACED_SHARE = 0.01
SAMPLE = 4096
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!",
                b"\x7fELF", b"RIFF")
# Control characters other than whitespace and ESC: text has next to none, binary data about one byte in ten.
CONTROL = bytes(c for c in range(32) if c not in b"\t\n\r\x0b\x0c\x1b")
MAX_CONTROL_SHARE = 0.05
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str
    how: str  # "bom", "utf-8", "declared", "damaged_utf-8", "detected"
    replaced: int  # characters replaced by U+FFFD

    @property
    def lost(self) -> bool:
        """Whether too much of the text was undecodable to keep the record."""
        return self.replaced > MAX_REPLACED_SHARE * max(len(self.text), 1)

    def notes(self) -> dict[str, object]:
        """What a document's metadata records about its decoding, when it was not plain UTF-8."""
        if self.how == "utf-8" and not self.replaced:
            return {}
        replaced = {"replaced_chars": self.replaced} if self.replaced else {}
        return {"charset": self.charset, "charset_from": self.how, **replaced}


def codec(label: str | None) -> str | None:
    """Python's codec for a charset label as browsers read it (WHATWG: ISO-8859-1 and ASCII mean windows-1252,
    GB2312 means GBK), or None for an unknown label."""
    from resiliparse.parse.encoding import map_encoding_to_html5

    if not label:
        return None
    name = map_encoding_to_html5(label.strip().strip("\"'"), fallback_utf8=False)
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def declared_charset(content_type: str = "", html: bytes = b"") -> str | None:
    """The charset a response declares: its ``Content-Type`` header, else a ``<meta>`` in the page's first 4 KB."""
    if found := HEADER_CHARSET.search(content_type or ""):
        return codec(found.group(1))
    if html and (found := META_CHARSET.search(html[:SAMPLE])):
        return codec(found.group(1).decode("ascii"))
    return None


def decode(data: bytes, declared: str | None = None) -> Decoded:
    for bom, name in BOMS:
        if data.startswith(bom):
            return _replaced(data, name, "bom")
    if (text := _strict(data, "utf-8")) is not None:
        return Decoded(text, "utf-8", "utf-8", 0)
    if declared and declared != "utf-8" and (text := _strict(data, declared)) is not None:
        return Decoded(text, declared, "declared", 0)
    as_utf8 = _replaced(data, "utf-8", "damaged_utf-8")
    if len(UTF8_MULTIBYTE.findall(data)) >= as_utf8.replaced:
        return as_utf8
    legacy = _detect(data)
    if legacy in (None, "utf-8"):  # uchardet's fallback, which these bytes are not: take the web's usual legacy charset
        legacy = "cp1252"
    if legacy != declared and (text := _strict(data, legacy)) is not None:
        return Decoded(text, legacy, "detected", 0)
    options = [_replaced(data, name, how) for name, how in ((declared, "declared"), (legacy, "detected")) if name]
    return min([*options, as_utf8], key=lambda decoded: decoded.replaced)


def looks_binary(data: bytes | str, declared: str | None = None) -> bool:
    """Whether text-typed content is binary: a known file signature, or control bytes in its first 4 KB
    (UTF-16 and UTF-32 text, declared or with a byte-order mark, is full of NULs and is not)."""
    sample = data[:SAMPLE]
    if isinstance(sample, str):
        sample = sample.encode("utf-8", "replace")
    if not sample or (declared or "").startswith(("utf-16", "utf-32")):
        return False
    if any(sample.startswith(bom) for bom, name in BOMS if name != "utf-8-sig"):
        return False
    if sample.startswith(BINARY_MAGIC):
        return True
    return len(sample) - len(sample.translate(None, CONTROL)) > MAX_CONTROL_SHARE * len(sample)


def _strict(data: bytes, name: str) -> str | None:
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _replaced(data: bytes, name: str, how: str) -> Decoded:
    text = data.decode(name, "replace")
    already = data.count(b"\xef\xbf\xbd") if name.startswith("utf-8") else 0  # U+FFFD in the source itself
    return Decoded(text, name, how, max(text.count("\ufffd") - already, 0))


def _detect(data: bytes) -> str | None:
    from resiliparse.parse.encoding import detect_encoding

    return codec(detect_encoding(data))
