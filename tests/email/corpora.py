"""Real-world mail samples that ship inside packages, found (or fetched once) on disk.

- CPython's ``test/test_email/data`` (the interpreter's own test suite),
- django-mailbox's ``tests/messages`` (installed as a dev dependency),
- flufl.bounce's ``tests/data`` and mail-parser's ``tests/mails``: these ship only in the
  source distributions, which ``pip download`` fetches from the package index once into
  the virtualenv. Only the sample files are extracted; no code from them is run or imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

SDISTS = {
    "flufl.bounce": ("flufl.bounce==6.0.0", "/tests/data/", (".txt",)),
    "mail-parser": ("mail-parser==4.8.0", "/tests/mails/", ("",)),
}
CACHE = Path(sys.prefix) / "share" / "caredesk-email-corpora"


def _cpython() -> list[Path]:
    try:
        import test.test_email as pkg  # type: ignore[import-not-found]
    except ImportError:
        return []
    data = Path(os.path.dirname(pkg.__file__)) / "data"
    return sorted(data.glob("msg_*.txt"))


def _django_mailbox() -> list[Path]:
    try:
        import django_mailbox  # type: ignore[import-untyped]
    except ImportError:
        return []
    return sorted((Path(django_mailbox.__file__).parent / "tests" / "messages").glob("*.eml"))


def _from_sdist(name: str) -> list[Path]:
    requirement, inner, suffixes = SDISTS[name]
    target = CACHE / name
    if not target.exists() or not any(target.iterdir()):
        download = CACHE / "downloads"
        download.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                str(download),
                requirement,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        archive = next(
            p
            for p in download.iterdir()
            if p.name.lower().replace("_", "-").replace(".", "-").startswith(name.replace(".", "-"))
            and p.name.endswith(".tar.gz")
        )
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                base = member.name.rsplit("/", 1)[-1]
                if (
                    member.isfile()
                    and inner in member.name
                    and not base.startswith("_")
                    and base.endswith(suffixes)
                    and "/" not in member.name.split(inner)[1]
                ):
                    handle = tar.extractfile(member)
                    if handle is not None:
                        (target / base).write_bytes(handle.read())
    return sorted(p for p in target.iterdir() if p.is_file())


def corpus() -> dict[str, list[Path]]:
    return {
        "cpython": _cpython(),
        "django-mailbox": _django_mailbox(),
        "flufl.bounce": _from_sdist("flufl.bounce"),
        "mail-parser": _from_sdist("mail-parser"),
    }
