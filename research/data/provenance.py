"""The provenance manifest of the shipped data, and checksum verification.

``data/manifest.toml`` lists every raw file with its sha256 and the source it came from
(origin repository and commit, publisher, licence, attribution). The data build calls
:func:`verify_files` before reading anything, so a changed or corrupted raw file stops the
build with a message that names the file.
"""

from __future__ import annotations

import hashlib
import string
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from research.core.derived import load_validated
from research.core.errors import ChecksumError, DataError
from research.core.fmt import check_lang, format_int
from research.core.paths import PROJECT_ROOT, data_dir

__all__ = [
    "FileRecord",
    "Manifest",
    "git_commit",
    "load_manifest",
    "sha256_file",
    "verify_files",
]


@dataclass(frozen=True)
class FileRecord:
    """One file in the manifest."""

    source: str
    path: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """The parsed manifest: sources (free-form provenance tables) and files."""

    sources: dict[str, dict[str, Any]]
    files: tuple[FileRecord, ...]
    path: Path

    def files_of(self, source: str) -> tuple[FileRecord, ...]:
        """Return the files that belong to ``source``."""
        return tuple(f for f in self.files if f.source == source)

    def text(self, source: str, field: str, lang: str = "sv", default: str = "") -> str:
        r"""A source's text ``field`` in ``lang``, its numbers formatted for that language.

        The text is ``<field>_<lang>`` if the source has it, else ``<field>`` (English), else
        ``default``. Numbers are not written into the texts: a text names them
        (``{groups}``) and the source's ``figures`` table holds them, so that a Swedish
        report reads "3 630" (no-break space) and an English one "3,630".

        Examples
        --------
        >>> m = load_manifest()
        >>> m.text("kolada-groups", "title", "sv")[:36], m.text("kolada-groups", "title", "en")[:42]
        ('Kolada-kommungrupper: 3\xa0630 officiel', 'Kolada municipality groups: 3,630 official')
        """
        s = self.sources[source]
        template = s.get(f"{field}_{check_lang(lang)}", s.get(field, default))
        figures = {k: format_int(v, lang) for k, v in (s.get("figures") or {}).items()}
        return str(template).format(**figures)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_manifest(base: Path | None = None) -> Manifest:
    """Read ``manifest.toml`` from the data folder.

    Raises
    ------
    DataError
        If the manifest is missing or malformed.
    """
    base = base or data_dir()
    path = base / "manifest.toml"
    if not path.exists():
        raise DataError(f"{path}: the provenance manifest is missing")
    try:
        digest = sha256_file(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from exc
    return load_validated(
        "manifest", path, digest, Path(__file__), lambda: _validated_manifest(path)
    )


def _validated_manifest(path: Path) -> Manifest:
    """Read and validate (pydantic) the manifest; see :mod:`research.core.derived`."""
    from research.core.config import ManifestFile, read_toml, validate_config

    raw = read_toml(path, DataError, "provenance manifest")
    validate_config(ManifestFile, raw, path)
    sources = {s["id"]: s for s in raw.get("sources", [])}
    for s in sources.values():
        _check_figures(path, s)
    files = []
    for i, f in enumerate(raw.get("files", []), start=1):
        try:
            files.append(FileRecord(f["source"], f["path"], f["sha256"].lower(), int(f["bytes"])))
        except KeyError as exc:
            raise DataError(f"{path}: [[files]] entry {i} lacks {exc}") from exc
        if f["source"] not in sources:
            raise DataError(f"{path}: file {f['path']} names unknown source {f['source']!r}")
    return Manifest(sources, tuple(files), path)


def _check_figures(path: Path, source: dict[str, Any]) -> None:
    """Every ``{name}`` in a source's texts must be one of its ``figures``."""
    known = set(source.get("figures") or {})
    for field, value in source.items():
        if not isinstance(value, str):
            continue
        try:
            names = {n for _, n, _, _ in string.Formatter().parse(value) if n is not None}
        except ValueError as exc:
            raise DataError(
                f"{path}: [[sources]] {source['id']} {field}: malformed {{...}} ({exc}); "
                "write a number's name in braces and its value under figures"
            ) from None
        unknown = sorted(names - known)
        if unknown:
            raise DataError(
                f"{path}: [[sources]] {source['id']} {field}: {{{unknown[0]}}} is not in its "
                f"figures ({', '.join(sorted(known)) or 'none'}); add it, e.g. "
                f"figures = {{ {unknown[0]} = 1234 }}"
            )


def verify_files(base: Path | None = None, source: str | None = None) -> list[FileRecord]:
    """Check every manifest file (of ``source``, or all) against its recorded sha256.

    Returns
    -------
    list of FileRecord
        The files that were verified.

    Raises
    ------
    ChecksumError
        Naming every file that is missing or whose checksum differs.
    """
    base = base or data_dir()
    manifest = load_manifest(base)
    records = manifest.files_of(source) if source else manifest.files
    problems = []
    for rec in records:
        p = base / rec.path
        if not p.exists():
            problems.append(f"{p}: missing")
            continue
        if not p.is_file():
            problems.append(f"{p}: not a file")
            continue
        got = sha256_file(p)
        if got != rec.sha256:
            problems.append(f"{p}: sha256 {got[:12]}..., manifest says {rec.sha256[:12]}...")
    if problems:
        more = f" (and {len(problems) - 1} more file(s))" if len(problems) > 1 else ""
        raise ChecksumError(
            f"{problems[0]}: raw data does not match data/manifest.toml; refusing to build"
            f"{more}.\n"
            + "".join(f"  {x}\n" for x in problems[1:])
            + "Raw files are never edited: restore them (git checkout data/raw) or, for a "
            "deliberate new snapshot, record its provenance and checksums in the manifest."
        )
    return list(records)


def git_commit(root: Path = PROJECT_ROOT) -> str:
    """Short commit of the checkout at ``root``.

    ``+dirty`` is appended when tracked files have local changes; ``"unknown"`` outside a git
    checkout.
    """

    def git(*args: str) -> str:
        run = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10, check=True
        )
        return run.stdout.strip()

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
