"""Fetches axe-core (the accessibility checker the browser tests inject into
each page) from the npm registry, pinned and checked against the registry's
integrity hash, without needing node or npm on the machine.

    python -m devtools.axe OUT.js
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.11.0"
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
INTEGRITY = "sha512-ilYanEU8vxxBexpJd8cWM4ElSQq4QctCLKih0TSfjIfCQTeyH/6zVrmIJfLPrKTKJRbiG+cfnZbQIjAlJmF1jQ=="


def fetch(out: Path) -> None:
    with urllib.request.urlopen(TARBALL, timeout=60) as response:
        packed = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(packed).digest()).decode()
    if digest != INTEGRITY:
        raise SystemExit(f"axe-core {VERSION} from {TARBALL} does not match its integrity hash; not used")
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as archive:
        script = archive.extractfile("package/axe.min.js").read()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(script)


if __name__ == "__main__":
    fetch(Path(sys.argv[1]))
