"""Reads a .deb with Python's own parsers, independently of assetgen's writer and reader:
the ar members by hand (deb(5)), the inner tars with tarfile, gzip/xz through tarfile's own
filters and zstd through the zstandard module when it is installed.

read(path, art) -> (name, version, data sha256 or None), as read_archives.py's READERS take.
"""
import hashlib
import io
import shutil
import subprocess
import tarfile
import threading

AR_MAGIC = b"!<arch>\n"


class _Member(io.RawIOBase):
    """One ar member of an open file, read in place: no copy of a large data.tar."""

    def __init__(self, f, offset, size):
        super().__init__()
        self._f, self._start, self._left = f, offset, size
        self._pos = offset

    def readable(self):
        return True

    def readinto(self, buf):
        n = min(len(buf), self._left)
        if n == 0:
            return 0
        self._f.seek(self._pos)
        data = self._f.read(n)
        if len(data) != n:
            raise ValueError("ar member cut short")
        buf[:n] = data
        self._pos += n
        self._left -= n
        return n


def _members(f):
    if f.read(8) != AR_MAGIC:
        raise ValueError("not an ar archive")
    members = []
    while True:
        header = f.read(60)
        if not header:
            return members
        if len(header) != 60 or header[58:60] != b"`\n":
            raise ValueError("bad ar header at %d" % (f.tell() - len(header)))
        name = header[0:16].decode("ascii").rstrip(" ").rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        offset = f.tell()
        members.append((name, offset, size))
        f.seek(offset + size + (size & 1))
        if f.tell() > offset + size + (size & 1):
            raise ValueError("ar member %s runs past the end" % name)


def _zstd_process(stream, name):
    """Without the zstandard module, the zstd program decompresses, fed from a thread."""
    if shutil.which("zstd") is None:
        raise ValueError("%s: zstd needs the zstandard module or the zstd program" % name)
    proc = subprocess.Popen(["zstd", "-dcq"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def feed():
        try:
            for block in iter(lambda: stream.read(1 << 20), b""):
                proc.stdin.write(block)
        finally:
            proc.stdin.close()

    threading.Thread(target=feed, daemon=True).start()
    return proc.stdout


def _open_tar(stream, name):
    if name.endswith(".zst"):
        try:
            import zstandard  # noqa: PLC0415 - optional
        except ImportError:
            return tarfile.open(fileobj=_zstd_process(stream, name), mode="r|")
        reader = zstandard.ZstdDecompressor().stream_reader(stream)
        return tarfile.open(fileobj=reader, mode="r|")
    modes = {".gz": "r|gz", ".xz": "r|xz", ".bz2": "r|bz2", ".tar": "r|"}
    for suffix, mode in modes.items():
        if name.endswith(suffix):
            return tarfile.open(fileobj=stream, mode=mode)
    raise ValueError("unknown compression of member %s" % name)


def _fields(text):
    out, key = {}, None
    for line in text.splitlines():
        if not line:
            break
        if line[0] in " \t" and key:
            out[key] += "\n" + line[1:]
        else:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    return out


def read(path, art):
    data_path = (art.get("data") or {}).get("path")
    with open(path, "rb") as f:
        members = _members(f)
        names = [m[0] for m in members]
        if len(members) != 3 or names[0] != "debian-binary" or not names[1].startswith("control.tar") \
                or not names[2].startswith("data.tar"):
            raise ValueError("members are %s, not debian-binary, control.tar*, data.tar*" % names)
        f.seek(members[0][1])
        if f.read(members[0][2]) != b"2.0\n":
            raise ValueError("debian-binary is not 2.0")
        control = md5sums = None
        with _open_tar(io.BufferedReader(_Member(f, *members[1][1:])), names[1]) as t:
            for m in t:
                if m.isfile() and m.name in ("./control", "control"):
                    control = t.extractfile(m).read().decode("utf-8")
                elif m.isfile() and m.name in ("./md5sums", "md5sums"):
                    md5sums = t.extractfile(m).read().decode("utf-8")
        if control is None:
            raise ValueError("control.tar has no ./control")
        listed = {}
        for line in (md5sums or "").splitlines():
            digest, _, file = line.partition("  ")
            listed[file] = digest
        data = None
        seen = set()
        with _open_tar(io.BufferedReader(_Member(f, *members[2][1:]), 1 << 20), names[2]) as t:
            for m in t:
                if m.pax_headers:
                    raise ValueError("data.tar entry %s has pax headers, which dpkg refuses" % m.name)
                if m.uid != 0 or m.gid != 0:
                    raise ValueError("%s is owned by %d:%d, not 0:0" % (m.name, m.uid, m.gid))
                if ".." in m.name.split("/"):
                    raise ValueError("data.tar entry %s has a '..' component" % m.name)
                if not m.isfile():
                    continue
                rel = m.name[2:] if m.name.startswith("./") else m.name
                md5, sha = hashlib.md5(), hashlib.sha256()
                src = t.extractfile(m)
                for block in iter(lambda: src.read(1 << 20), b""):
                    md5.update(block)
                    if rel == data_path:
                        sha.update(block)
                if listed.get(rel) != md5.hexdigest():
                    raise ValueError("md5sums gives %s for %s, its MD5 is %s" % (listed.get(rel), rel, md5.hexdigest()))
                seen.add(rel)
                if rel == data_path:
                    data = sha.hexdigest()
        if set(listed) != seen:
            raise ValueError("md5sums lists files data.tar lacks: %s" % sorted(set(listed) - seen))
    fields = _fields(control)
    return fields.get("Package"), fields.get("Version"), data
