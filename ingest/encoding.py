"""Deciding a text file's encoding on evidence, and decoding it strictly.

In this order: a byte-order mark (UTF-8, UTF-16, UTF-32); strict UTF-8 of the
whole file; a file that is UTF-8 except for a few bytes is broken UTF-8, not
another encoding (rejected, with the offset of the first bad byte); otherwise
charset-normalizer's candidates, of which the first one the settings accept
(ingest.encodings) is used, and the whole file must decode in it without a single error.
Anything else is rejected with the reason: a file is never stored as mojibake.
GBK and GB2312 are read as GB18030 (their superset).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

_CHUNK = 1 << 20
# Bytes the detector sees (cut at a line end): enough for any real export's evidence.
_SAMPLE = 1 << 20
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf_32"),
    (codecs.BOM_UTF32_BE, "utf_32"),
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz"}


class EncodingRejected(ValueError):
    """The file is not text in an accepted encoding; the message says why."""


@dataclass(frozen=True)
class Decision:
    encoding: str  # Python codec name
    evidence: str  # bom, strict-utf8, detector


def _normalise(name: str) -> str:
    name = codecs.lookup(name).name.replace("-", "_")
    return "gb18030" if name in _GB_FAMILY else name


def _first_error_offset(path: Path, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    consumed = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return consumed + exc.start
            consumed += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return consumed
    return None


def _utf8_share(sample: bytes) -> tuple[int, int]:
    """(valid multi-byte UTF-8 sequences, invalid bytes) in the sample."""
    text = sample.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid_multibyte = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return valid_multibyte, invalid


def _sample(path: Path) -> bytes:
    with path.open("rb") as fh:
        data = fh.read(_SAMPLE)
    if len(data) == _SAMPLE and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data


def decide_encoding(path: Path, accepted: tuple[str, ...]) -> Decision:
    """The encoding a text file is in, or EncodingRejected with the evidence against it."""
    with path.open("rb") as fh:
        head = fh.read(4)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            offset = _first_error_offset(path, encoding)
            if offset is not None:
                raise EncodingRejected(
                    f"starts with a {encoding} byte-order mark but does not decode as "
                    f"{encoding} (byte offset {offset})"
                )
            return Decision(encoding, "bom")
    utf8_error = _first_error_offset(path, "utf_8")
    if utf8_error is None and not _has_nul(path):
        return Decision("utf_8", "strict-utf8")
    sample = _sample(path)
    valid, invalid = _utf8_share(sample)
    if utf8_error is not None and valid >= max(1, invalid):
        raise EncodingRejected(
            f"UTF-8 with invalid bytes (first at byte offset {utf8_error}; {invalid} bad of "
            f"{valid + invalid} non-ASCII characters): a corrupted UTF-8 file, not loaded"
        )
    candidates = [_normalise(m.encoding) for m in from_bytes(sample)]
    usable = [
        e for e in candidates if e in accepted or e.split("_le")[0].split("_be")[0] in accepted
    ]
    if b"\x00" in sample:
        # NUL bytes: text only as UTF-16/32 without a byte-order mark, else binary.
        usable = [e for e in usable if e.startswith(("utf_16", "utf_32"))]
        if not usable:
            raise EncodingRejected("contains NUL bytes: binary, not a text export")
    if not usable:
        guess = f"best guess {candidates[0]}" if candidates else "no text encoding fits"
        raise EncodingRejected(
            f"not UTF-8 (invalid byte at offset {utf8_error}) and not in an accepted encoding "
            f"({guess}; accepted: utf_8, {', '.join(accepted)}): binary or corrupted"
        )
    encoding = usable[0]
    offset = _first_error_offset(path, encoding)
    if offset is not None:
        raise EncodingRejected(
            f"looks like {encoding} but does not decode as {encoding} (byte offset {offset}): "
            "corrupted, not loaded"
        )
    return Decision(encoding, "detector")


def _has_nul(path: Path) -> bool:
    with path.open("rb") as fh:
        return any(b"\x00" in chunk for chunk in iter(lambda: fh.read(_CHUNK), b""))


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> None:
    """Write the file as UTF-8 (strict: any error raises). Rejects text with NUL or
    NUL characters (binary content)."""
    with (
        path.open("r", encoding=encoding, errors="strict", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(_CHUNK):
            check_text(chunk)
            dst.write(chunk)


def check_text(chunk: str) -> None:
    if "\x00" in chunk:
        raise EncodingRejected("contains NUL characters: binary, not a text export")
