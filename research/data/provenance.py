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
from research.core.i18n import load_catalogue
from research.core.paths import PROJECT_ROOT, data_dir

__all__ = [
    "FileRecord",
    "Manifest",
    "git_commit",
    "load_manifest",
    "sha256_file",
    "verify_files",
]


#: Error messages in Swedish and English (research/data/provenance.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("provenance.toml"))


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
        en, sv = _TEXTS.both("manifest_missing", path=path)
        raise DataError(en, sv=sv)
    try:
        digest = sha256_file(path)
    except OSError as exc:
        en, sv = _TEXTS.both("manifest_unreadable", path=path, reason=exc.strerror)
        raise DataError(en, sv=sv) from exc
    return load_validated(
        "manifest", path, digest, Path(__file__), lambda: _validated_manifest(path)
    )


def _validated_manifest(path: Path) -> Manifest:
    """Read and validate (pydantic) the manifest; see :mod:`research.core.derived`."""
    from research.core.config import ManifestFile, read_toml, validate_config

    raw = read_toml(path, DataError, _TEXTS.both("what_manifest"))
    validate_config(ManifestFile, raw, path)
    sources = {s["id"]: s for s in raw.get("sources", [])}
    for s in sources.values():
        _check_figures(path, s)
    files = []
    for i, f in enumerate(raw.get("files", []), start=1):
        try:
            files.append(FileRecord(f["source"], f["path"], f["sha256"].lower(), int(f["bytes"])))
        except KeyError as exc:
            en, sv = _TEXTS.both("file_entry_lacks", path=path, number=i, field=exc)
            raise DataError(en, sv=sv) from exc
        if f["source"] not in sources:
            en, sv = _TEXTS.both("unknown_source", path=path, file=f["path"], source=f["source"])
            raise DataError(en, sv=sv)
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
            en, sv = _TEXTS.both(
                "malformed_figure", path=path, id=source["id"], field=field, detail=exc
            )
            raise DataError(en, sv=sv) from None
        unknown = sorted(names - known)
        if unknown:
            en, sv = (
                _TEXTS(
                    "figure_not_listed",
                    lang,
                    path=path,
                    id=source["id"],
                    field=field,
                    name=unknown[0],
                    known=", ".join(sorted(known)) or _TEXTS("no_figures", lang),
                )
                for lang in ("en", "sv")
            )
            raise DataError(en, sv=sv)


def _checksum_mismatch(problems: list[str], lang: str) -> str:
    """The message of :func:`verify_files`' error: the first problem, then the others."""
    extra = len(problems) - 1
    more = _TEXTS("more_files_one" if extra == 1 else "more_files", lang, n=extra) if extra else ""
    others = "".join(f"  {x}\n" for x in problems[1:])
    return _TEXTS("checksum_mismatch", lang, first=problems[0], more=more, others=others)


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
    problems: list[tuple[str, str]] = []  # (English, Swedish)
    for rec in records:
        p = base / rec.path
        if not p.exists():
            problems.append(_TEXTS.both("raw_file_missing", path=p))
            continue
        if not p.is_file():
            problems.append(_TEXTS.both("raw_not_a_file", path=p))
            continue
        got = sha256_file(p)
        if got != rec.sha256:
            problems.append(
                _TEXTS.both("raw_checksum_differs", path=p, got=got[:12], want=rec.sha256[:12])
            )
    if problems:
        en = _checksum_mismatch([p_en for p_en, _ in problems], "en")
        sv = _checksum_mismatch([p_sv for _, p_sv in problems], "sv")
        raise ChecksumError(en, sv=sv)
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
