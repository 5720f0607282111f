"""Just enough of a PDF reader to get the text out of the PDFs ReportLab writes with an
embedded TrueType subset (each font's codes mapped to Unicode by its /ToUnicode CMap)."""

import base64
import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    data = rest.rsplit(b"endstream", 1)[0].strip(b"\r\n")
    if b"/ASCII85Decode" in head:
        data = base64.a85decode(data.strip().removesuffix(b"~>"))
    if b"/FlateDecode" in head:
        data = zlib.decompress(data)
    return data


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes (octal and backslash escapes undone)."""
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
                continue
            escaped = raw[i + 1 : i + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(escaped, escaped)
            i += 2
            continue
        out.append(raw[i])
        i += 1
    return bytes(out)


def pdf_pages_text(pdf: bytes) -> list[str]:
    """The text of each page, in drawing order (one line per Tj)."""
    objects = {int(m.group(1)): m.group(2) for m in OBJECT.finditer(pdf)}
    cmaps = {}
    for body in objects.values():
        name = re.search(rb"/Name /(\S+)", body)
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if name and to_unicode and b"/Type /Font" in body:
            cmap = _stream(objects[int(to_unicode.group(1))])
            cmaps[name.group(1)] = {
                int(code, 16): chr(int(uni, 16))
                for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", cmap)
            }
    pages = []
    for body in objects.values():
        if re.search(rb"/Type /Page\b(?!s)", body):
            contents = int(re.search(rb"/Contents (\d+) 0 R", body).group(1))
            data, font, lines = _stream(objects[contents]), None, []
            for token in re.finditer(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", data, re.S):
                if token.group(1):
                    font = token.group(1)
                    continue
                raw = _literal(token.group(2))
                mapping = cmaps.get(font)
                lines.append("".join(mapping.get(b, "?") for b in raw) if mapping
                             else raw.decode("latin-1"))  # fmt: skip
            pages.append("\n".join(lines))
    return pages
