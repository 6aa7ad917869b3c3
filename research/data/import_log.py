"""The import ledger's files and the import log's replay, without polars.

``data/imported/imports.json`` (the ledger) lists the imports in effect and is the commit
point of every import and removal; ``imports.log`` is their history, one JSON line each.
:func:`replay_log` reads the imports still in effect from the log, which ``pilotbench data
repair`` uses to rebuild a ledger that is unreadable or missing. :func:`check_ledger_present`
refuses a data folder whose ledger is gone while its log and Parquet files say imports are
in effect: read as "no imports", such a folder would drop them from every report without a
word, and the next import would write a ledger that leaves them out for good. It is called
from the fingerprint of every panel load (:mod:`research.data.fingerprint`), so it costs a
``stat`` when there is no log.
"""

from __future__ import annotations

import json
from pathlib import Path

from research.core.errors import DataError

__all__ = ["LEDGER_FILE", "LOG_FILE", "check_ledger_present", "replay_log"]

LEDGER_FILE = "imports.json"
LOG_FILE = "imports.log"


def replay_log(folder: Path) -> list[dict]:
    """The imports still in effect according to the import log of ``folder``.

    Imports and removals are replayed in order; a line cut off by a crash is skipped, and an
    import whose Parquet file is gone is left out.

    Parameters
    ----------
    folder
        The imports folder (``data/imported``).

    Returns
    -------
    list of dict
        The ledger entries in effect, oldest first; empty without a log.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> replay_log(folder)
    []
    >>> (folder / "a.parquet").write_bytes(b"")
    0
    >>> entry = {"sha256": "ab", "parquet": "a.parquet"}
    >>> _ = (folder / LOG_FILE).write_text(json.dumps({"action": "import", "entry": entry}))
    >>> [e["sha256"] for e in replay_log(folder)]
    ['ab']
    """
    try:
        lines = (folder / LOG_FILE).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries: dict[str, dict] = {}
    for line in lines:
        try:
            rec = json.loads(line)
            e = rec["entry"]
            if rec["action"] == "import":
                entries[e["sha256"]] = e
            elif rec["action"] == "remove":
                entries.pop(e["sha256"], None)
        except (ValueError, KeyError, TypeError):
            continue  # a line cut off by a crash
    return [e for e in entries.values() if (folder / str(e.get("parquet", ""))).is_file()]


def check_ledger_present(folder: Path) -> None:
    """Refuse a missing ledger while the import log says imports are in effect.

    Call when ``folder / LEDGER_FILE`` does not exist.

    Raises
    ------
    DataError
        Naming the missing ledger, how many imports the log lists, and ``pilotbench data
        repair`` (which rebuilds the ledger from the log).

    Examples
    --------
    >>> import tempfile
    >>> check_ledger_present(Path(tempfile.mkdtemp()))  # no log: nothing imported
    """
    if not (folder / LOG_FILE).exists():
        return
    in_effect = replay_log(folder)
    if not in_effect:
        return
    from research.core.i18n import load_catalogue

    texts = load_catalogue(Path(__file__).with_name("imports.toml"))
    en, sv = texts.both(
        "ledger_missing", path=folder / LEDGER_FILE, log=folder / LOG_FILE, n=len(in_effect)
    )
    raise DataError(en, sv=sv)
