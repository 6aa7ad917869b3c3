"""Tests that edit a copy of the raw data record the new checksum in the copy's manifest."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path


def rewrite_manifest_sha(data: Path, rel: str) -> None:
    """Set the manifest's sha256 of ``data/rel`` to the file's current checksum."""
    manifest = data / "manifest.toml"
    new = hashlib.sha256((data / rel).read_bytes()).hexdigest()
    text = manifest.read_text(encoding="utf-8")
    text = re.sub(rf'(path = "{re.escape(rel)}"\nsha256 = ")[0-9a-f]+', rf"\g<1>{new}", text)
    manifest.write_text(text, encoding="utf-8")
