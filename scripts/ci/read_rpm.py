"""An .rpm read with Python alone: the lead and both headers with struct, the payload
decompressed with gzip/lzma/zstandard (or none) as a stream, and the cpio newc (or rpm's
stripped 07070X form) walked by hand. read(path, art) -> (name, version, data sha256);
raises ValueError naming what is wrong."""

import gzip
import hashlib
import lzma
import struct

HEADER_MAGIC = b"\x8e\xad\xe8\x01\x00\x00\x00\x00"
TAG_NAME, TAG_VERSION, TAG_BASENAMES, TAG_DIRNAMES, TAG_DIRINDEXES = 1000, 1001, 1117, 1118, 1116
TAG_COMPRESSOR, TAG_PAYLOADDIGEST = 1125, 5092
CHUNK = 1 << 20


def _header(f, pad):
    """One header: {tag: value} for the types read here (strings, arrays, ints)."""
    intro = f.read(16)
    if len(intro) != 16 or intro[:8] != HEADER_MAGIC:
        raise ValueError("bad header magic at offset %d" % (f.tell() - len(intro)))
    il, dl = struct.unpack(">II", intro[8:])
    index = f.read(16 * il)
    store = f.read(dl)
    if len(index) != 16 * il or len(store) != dl:
        raise ValueError("header cut short")
    tags = {}
    for i in range(il):
        tag, typ, off, count = struct.unpack(">IIII", index[16 * i:16 * i + 16])
        if typ in (6, 9):  # STRING, I18NSTRING
            tags[tag] = store[off:store.index(b"\0", off)].decode("utf-8")
        elif typ == 8:  # STRING_ARRAY
            out, at = [], off
            for _ in range(count):
                end = store.index(b"\0", at)
                out.append(store[at:end].decode("utf-8"))
                at = end + 1
            tags[tag] = out
        elif typ == 5:  # INT64
            tags[tag] = list(struct.unpack(">%dQ" % count, store[off:off + 8 * count]))
        elif typ == 4:  # INT32
            tags[tag] = list(struct.unpack(">%dI" % count, store[off:off + 4 * count]))
    if pad:
        f.read((8 - (16 + 16 * il + dl) % 8) % 8)
    return tags


class _Stream:
    """The decompressed payload, read forward only."""

    def __init__(self, f, compressor):
        if compressor in (None, "identity"):
            self.dec = None
        elif compressor == "gzip":
            self.dec = gzip.GzipFile(fileobj=f)
        elif compressor in ("xz", "lzma"):
            self.dec = lzma.LZMAFile(f)
        elif compressor == "zstd":
            import zstandard  # optional: only zstd payloads need it
            self.dec = zstandard.ZstdDecompressor().stream_reader(f)
        else:
            raise ValueError("payload compressor %r not read here" % compressor)
        self.f = f
        self.pos = 0

    def read(self, n):
        data = (self.dec or self.f).read(n)
        if len(data) != n:
            raise ValueError("payload cut short at cpio offset %d" % self.pos)
        self.pos += n
        return data

    def align(self):
        if self.pos % 4:
            self.read(4 - self.pos % 4)


def read(path, art):
    data_path = "/" + (art.get("data") or {}).get("path", "") if (art.get("data") or {}).get("path") else None
    with open(path, "rb") as f:
        lead = f.read(96)
        if len(lead) != 96 or lead[:4] != b"\xed\xab\xee\xdb" or lead[4] != 3:
            raise ValueError("not an rpm v3 lead")
        if struct.unpack(">H", lead[78:80])[0] != 5:
            raise ValueError("lead signature type is not 5 (header)")
        _header(f, True)
        main = _header(f, False)
        end = f.tell()
        # The payload digest covers the compressed bytes after the header.
        h = hashlib.sha256()
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
        if main.get(TAG_PAYLOADDIGEST, [None])[0] != h.hexdigest():
            raise ValueError("PAYLOADDIGEST is not the payload's sha256")
        f.seek(end)
        files = [main[TAG_DIRNAMES][d] + b for d, b in zip(main[TAG_DIRINDEXES], main[TAG_BASENAMES])]
        stream = _Stream(f, main.get(TAG_COMPRESSOR))
        data_sha = None
        while True:
            magic = stream.read(6)
            if magic == b"07070X":
                index = int(stream.read(8), 16)
                stream.align()
                name = files[index]
                size = _size_of(main, index)
            elif magic == b"070701":
                fields = stream.read(104)
                size = int(fields[48:56], 16)
                namesize = int(fields[88:96], 16)
                name = stream.read(namesize)[:-1].decode("utf-8")
                stream.align()
                if name == "TRAILER!!!":
                    break
                if not name.startswith("./"):
                    raise ValueError("cpio entry %r has no ./ prefix" % name)
                name = name[1:]
            else:
                raise ValueError("bad cpio magic %r" % magic)
            digest = hashlib.sha256()
            left = size
            while left:
                block = stream.read(min(left, CHUNK))
                digest.update(block)
                left -= len(block)
            stream.align()
            if name == data_path:
                data_sha = digest.hexdigest()
    return main.get(TAG_NAME), main.get(TAG_VERSION), data_sha


def _size_of(main, index):
    """A file's size from the header: FILESIZES (1028) or LONGFILESIZES (5008, INT64)."""
    for tag in (5008, 1028):
        if tag in main:
            return main[tag][index]
    raise ValueError("no FILESIZES or LONGFILESIZES for a stripped cpio entry")
