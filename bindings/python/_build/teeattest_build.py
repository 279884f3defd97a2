# SPDX-License-Identifier: Apache-2.0
"""A PEP 517 build backend for the teeattest package, standard library
only, so that `pip install ./bindings/python` needs no download (pip
builds in an isolated environment and would otherwise fetch setuptools).

It builds a pure-Python wheel (py3-none-any) of the `teeattest` package
with zipfile, and an sdist with tarfile. Metadata is kept here, in one
place, and must agree with pyproject.toml (a test checks the version).
"""
import base64
import hashlib
import os
import tarfile
import zipfile

NAME = "teeattest"
VERSION = "1.0.0"
SUMMARY = ("Verify that answers from confidential-AI APIs come from an "
           "attested TEE (bindings of libteeattest)")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAG = "py3-none-any"
DIST_INFO = "%s-%s.dist-info" % (NAME, VERSION)


def _metadata():
    readme = ""
    try:
        with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
            readme = f.read()
    except OSError:
        pass
    return ("Metadata-Version: 2.1\n"
            "Name: %s\nVersion: %s\nSummary: %s\n"
            "License: Apache-2.0\nRequires-Python: >=3.7\n"
            "Description-Content-Type: text/markdown\n\n%s"
            % (NAME, VERSION, SUMMARY, readme))


def _wheel_file():
    return ("Wheel-Version: 1.0\nGenerator: teeattest_build\n"
            "Root-Is-Purelib: true\nTag: %s\n" % TAG)


def _package_files():
    pkg = os.path.join(ROOT, NAME)
    out = []
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py") or name == "py.typed":
            out.append(("%s/%s" % (NAME, name), os.path.join(pkg, name)))
    return out


def _record_line(arcname, content):
    digest = base64.urlsafe_b64encode(
        hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (arcname, digest, len(content))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory,
                                     config_settings=None):
    d = os.path.join(metadata_directory, DIST_INFO)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(d, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return DIST_INFO


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    filename = "%s-%s-%s.whl" % (NAME, VERSION, TAG)
    path = os.path.join(wheel_directory, filename)
    entries = []
    for arcname, src in _package_files():
        with open(src, "rb") as f:
            entries.append((arcname, f.read()))
    entries.append(("%s/METADATA" % DIST_INFO, _metadata().encode()))
    entries.append(("%s/WHEEL" % DIST_INFO, _wheel_file().encode()))
    entries.append(("%s/top_level.txt" % DIST_INFO, (NAME + "\n").encode()))
    record = "".join(_record_line(a, c) for a, c in entries)
    record += "%s/RECORD,,\n" % DIST_INFO
    entries.append(("%s/RECORD" % DIST_INFO, record.encode()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, content in entries:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    filename = base + ".tar.gz"
    files = ["pyproject.toml", "README.md", "_build/teeattest_build.py"]
    files += [a for a, _ in _package_files()]
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as t:
        for rel in files:
            src = os.path.join(ROOT, rel)
            if os.path.exists(src):
                t.add(src, arcname="%s/%s" % (base, rel))
        info = tarfile.TarInfo("%s/PKG-INFO" % base)
        meta = _metadata().encode()
        info.size = len(meta)
        import io
        t.addfile(info, io.BytesIO(meta))
    return filename
