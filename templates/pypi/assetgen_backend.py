"""PEP 517 build backend for assetgen fixtures, standard library only.

It packs the module directory named in PKG-INFO into a py3-none-any wheel,
so `pip install --no-binary :all:` installs the same files as the wheel.
"""

import base64
import hashlib
import os
import tarfile
import zipfile

_HERE = os.path.dirname(os.path.abspath(__file__))


def _metadata():
    with open(os.path.join(_HERE, "PKG-INFO"), encoding="utf-8") as f:
        text = f.read()
    fields = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, value)
    return text, fields["Name"], fields["Version"]


def _wheel_name(name):
    out, last = [], ""
    for ch in name.lower():
        ch = "_" if ch in "-_." else ch
        if not (ch == "_" and last == "_"):
            out.append(ch)
        last = ch
    return "".join(out)


def _dist_info(name, version):
    return "%s-%s.dist-info" % (_wheel_name(name), version)


def _wheel_file():
    return "Wheel-Version: 1.0\nGenerator: assetgen\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    text, name, version = _metadata()
    info = os.path.join(metadata_directory, _dist_info(name, version))
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return os.path.basename(info)


def _record_row(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "%s,sha256=%s,%d" % (path, digest.decode("ascii"), len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    text, name, version = _metadata()
    module = _wheel_name(name)
    info = _dist_info(name, version)
    filename = "%s-%s-py3-none-any.whl" % (module, version)
    rows = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as whl:
        for root, dirs, files in os.walk(os.path.join(_HERE, module)):
            dirs.sort()
            for fname in sorted(files):
                full = os.path.join(root, fname)
                arc = os.path.relpath(full, _HERE).replace(os.sep, "/")
                with open(full, "rb") as f:
                    data = f.read()
                whl.writestr(arc, data)
                rows.append(_record_row(arc, data))
        for arc, data in ((info + "/METADATA", text.encode("utf-8")),
                          (info + "/WHEEL", _wheel_file().encode("utf-8"))):
            whl.writestr(arc, data)
            rows.append(_record_row(arc, data))
        rows.append(info + "/RECORD,,")
        whl.writestr(info + "/RECORD", "\n".join(rows) + "\n")
    return filename


def build_sdist(sdist_directory, config_settings=None):
    _, name, version = _metadata()
    base = "%s-%s" % (_wheel_name(name), version)
    filename = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tar:
        for entry in sorted(os.listdir(_HERE)):
            tar.add(os.path.join(_HERE, entry), arcname=base + "/" + entry)
    return filename
