"""Text encodings of shapefiles and tables.

A Chinese shapefile is usually GBK (CP936). When it has no ``.cpg`` and the
.dbf's code-page byte (LDID, byte 29) is 0, GDAL decodes it as ISO-8859-1
without a word: 水田 comes back as "Ë®Ìï", field names too. The functions here
read the .dbf's header and first records (cheap: a few hundred kB at most) and
tell which encoding the bytes really are in.
"""

from __future__ import annotations

import codecs
import re
import struct
from collections.abc import Iterable
from typing import Final, Literal

#: Bytes of .dbf records inspected when sniffing (header always read whole).
SNIFF_BYTES: Final[int] = 256 * 1024

_CJK_RE: Final = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

Sniffed = Literal["utf-8", "gbk"]


def dbf_ldid(data: bytes) -> int:
    """Return the language driver id (byte 29) of a .dbf header; 0 means "not declared"."""
    return data[29] if len(data) > 29 else 0


def _dbf_text_bytes(data: bytes, *, limit: int = SNIFF_BYTES) -> bytes:
    """Field names and the character fields of the first records, concatenated."""
    if len(data) < 32:
        return b""
    header_len, record_len = struct.unpack("<HH", data[8:12])
    names: list[bytes] = []
    char_fields: list[tuple[int, int]] = []
    offset = 1  # the deletion flag
    pos = 32
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        desc = data[pos:pos + 32]
        names.append(desc[:11].split(b"\x00", 1)[0])
        ftype, flen = chr(desc[11]), desc[16]
        if ftype in "CM":
            char_fields.append((offset, flen))
        offset += flen
        pos += 32
    chunks = list(names)
    if record_len > 0:
        body = data[header_len:header_len + limit]
        for start in range(0, len(body) - record_len + 1, record_len):
            rec = body[start:start + record_len]
            chunks.extend(rec[o:o + n] for o, n in char_fields)
    return b"\n".join(chunks)


def sniff_bytes(raw: bytes) -> Sniffed | None:
    """Guess the encoding of text bytes: ``None`` when plain ASCII (or undecidable).

    UTF-8 is tried first: GBK text of any length is almost never valid UTF-8,
    while valid UTF-8 with CJK characters is also usually valid GBK.

    Examples
    --------
    >>> sniff_bytes("水田".encode("gbk")), sniff_bytes("水田".encode("utf-8")), sniff_bytes(b"DLBM")
    ('gbk', 'utf-8', None)
    """
    if raw.isascii():
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        text = raw.decode("gbk")
    except UnicodeDecodeError:
        return None
    return "gbk" if _CJK_RE.search(text) else None


def sniff_dbf(data: bytes) -> Sniffed | None:
    """Guess the encoding of a .dbf's text from its bytes (header plus first records).

    Returns ``None`` when the text is ASCII or the code page is declared
    (LDID != 0: GDAL reads it right).
    """
    if dbf_ldid(data) != 0:
        return None
    return sniff_bytes(_dbf_text_bytes(data))


def looks_misdecoded(texts: Iterable[object]) -> bool:
    """Tell whether strings read as ISO-8859-1 are really GBK (round-trip into CJK).

    Examples
    --------
    >>> looks_misdecoded(["Ë®Ìï"]), looks_misdecoded(["水田", "Ábc"])
    (True, False)
    """
    for value in texts:
        if not isinstance(value, str) or value.isascii():
            continue
        try:
            back = value.encode("latin-1").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return False
        # The first non-ASCII value decides.
        return _CJK_RE.search(back) is not None
    return False


_GDAL_NAMES: Final[dict[str, str]] = {
    "iso8859-1": "ISO-8859-1", "utf-8": "UTF-8", "gbk": "GBK", "gb18030": "GB18030",
    "gb2312": "GB2312", "cp936": "CP936", "big5": "BIG5", "utf-16": "UTF-16",
}


def gdal_encoding(name: str) -> str:
    """Spell a Python codec name (``latin-1``, ``cp936``) the way GDAL's iconv knows it.

    Examples
    --------
    >>> gdal_encoding("latin-1"), gdal_encoding("gbk"), gdal_encoding("utf8")
    ('ISO-8859-1', 'GBK', 'UTF-8')
    """
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return _GDAL_NAMES.get(canonical, canonical.upper())


def decode_table(data: bytes, *, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text table (targets.csv): UTF-8 (with or without BOM), else GBK.

    Returns
    -------
    tuple
        The text and the encoding used.

    Raises
    ------
    UnicodeDecodeError
        ``encoding`` is given and does not fit, or no encoding fits.
    """
    if encoding is not None:
        return data.decode(encoding), encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gbk"), "gbk"
