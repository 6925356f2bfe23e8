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
from dataclasses import dataclass
from typing import Final, Literal

#: Bytes of .dbf records inspected when sniffing (header always read whole).
SNIFF_BYTES: Final[int] = 256 * 1024

_CJK_RE: Final = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

Sniffed = Literal["utf-8", "gbk", "gb18030"]


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
    for name in ("gbk", "gb18030"):  # GB18030: GBK with the rare characters it lacks
        try:
            text = raw.decode(name)
        except UnicodeDecodeError:
            continue
        return name if _CJK_RE.search(text) else None
    return None


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
    # GBK and its kin are read as GB18030, their superset (rare characters of names).
    "iso8859-1": "ISO-8859-1", "utf-8": "UTF-8", "gbk": "GB18030", "gb18030": "GB18030",
    "gb2312": "GB18030", "cp936": "GB18030", "big5": "BIG5", "utf-16": "UTF-16",
}


def gdal_encoding(name: str) -> str:
    """Spell a Python codec name (``latin-1``, ``cp936``) the way GDAL's iconv knows it.

    Examples
    --------
    >>> gdal_encoding("latin-1"), gdal_encoding("gbk"), gdal_encoding("utf8")
    ('ISO-8859-1', 'GB18030', 'UTF-8')
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
        return data.decode(read_codec(encoding)), encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gbk"  # GB18030: GBK and the characters it lacks


# --- what a shapefile declares, and what its bytes are -------------------------------------

#: GBK and the encodings it extends or is: read as GB18030, their superset, so that the
#: rare characters of names (䶮, 𠮷) GBK lacks are not lost.
_GB_FAMILY: Final = frozenset({"gbk", "gb2312", "gb18030", "cp936"})

#: .dbf code-page bytes (LDID) and the encodings they declare (ESRI's table, in part).
_LDID_CODEC: Final[dict[int, str]] = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x57: "cp1252", 0x4D: "cp936",
    0x7A: "cp936", 0x4E: "cp949", 0x4F: "cp950", 0x7B: "cp932",
}


def _cpg_codec(text: str) -> str | None:
    """Return the Python codec a .cpg's text names (``936``, ``CP936``, ``UTF-8``...)."""
    key = text.strip().upper().replace("ANSI", "").strip()
    if key.isdigit():
        key = {"65001": "utf-8", "88591": "latin-1", "936": "cp936", "54936": "gb18030"
               }.get(key, f"cp{key}")
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def _family(codec: str) -> str:
    name = codecs.lookup(codec).name
    return "gbk" if name in _GB_FAMILY else name


def read_codec(codec: str) -> str:
    """Return the codec to read text declared in ``codec`` with: GB18030 for GBK's kin.

    Examples
    --------
    >>> read_codec("gbk"), read_codec("cp936"), read_codec("utf-8")
    ('gb18030', 'gb18030', 'utf-8')
    """
    return "gb18030" if _family(codec) == "gbk" else codecs.lookup(codec).name


@dataclass(frozen=True)
class ShpEncoding:
    """How a shapefile's text is to be read, and how its files declare it."""

    #: The codec to read with (None: no declaration and no non-ASCII text: GDAL's own).
    read_as: str | None
    #: The encoding as the files write it (``CP936`` from a .cpg ``936``), else None.
    written: str | None
    #: Where it is written: ``".cpg"``, ``"code page byte 0x4D"``, or ``""``.
    where: str
    #: ``read_as`` was found from the bytes, not from a declaration.
    detected: bool
    #: The declaration the bytes contradict, said in words; else ``""``.
    contradiction: str = ""
    #: What the bytes look like (:func:`sniff_bytes`): ``gbk``, ``gb18030``, ``utf-8``.
    sniffed: str | None = None


def shapefile_encoding(cpg: str | None, dbf: bytes | None) -> ShpEncoding:
    """Decide a shapefile's encoding from its .cpg text, its .dbf header and first records.

    The declaration (.cpg, else the code-page byte) is what the file says; the bytes
    are sniffed (:func:`sniff_bytes`) too, and when they contradict it (a .cpg saying
    ISO-8859-1 or UTF-8 over GBK bytes) they win and the contradiction is said.

    Examples
    --------
    >>> e = shapefile_encoding("936", None)
    >>> e.read_as, e.written, e.where
    ('gb18030', 'CP936', '.cpg')
    >>> shapefile_encoding("ISO-8859-1", b"").contradiction
    ''
    """
    sniffed = sniff_bytes(_dbf_text_bytes(dbf)) if dbf else None
    declared: str | None = None
    where = ""
    if cpg is not None and cpg.strip():
        declared, where = _cpg_codec(cpg), ".cpg"
        written = cpg.strip().upper()
        if written.isdigit():  # a Windows code page number, as ArcGIS writes it
            written = {"65001": "UTF-8", "88591": "ISO-8859-1"}.get(written, f"CP{written}")
    elif dbf and dbf_ldid(dbf) in _LDID_CODEC:
        ldid = dbf_ldid(dbf)
        declared, where = _LDID_CODEC[ldid], f"code page byte 0x{ldid:02X}"
        written = declared.upper()
    if declared is None:
        return ShpEncoding(read_codec(sniffed) if sniffed else None, None, "", sniffed is not None,
                           sniffed=sniffed)
    if sniffed is None or _family(sniffed) == _family(declared):
        return ShpEncoding(read_codec(declared), written, where, False, sniffed=sniffed)
    return ShpEncoding(read_codec(sniffed), written, where, True,
                       f"the {where} says {written} but the text is {sniffed.upper()}",
                       sniffed=sniffed)
