"""Process set-up shared by the command line and batch workers, cheap to import."""

from __future__ import annotations

import sys

__all__ = ["skip_slow_optional_imports"]


def skip_slow_optional_imports() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process.

    jsonschema imports it, if installed (jupyter-events pulls it in), only to check the
    "iri" string format, and it compiles a Lark grammar at import: about 2 s on every command
    that touches nbformat. Notebook validation never uses that format; jsonschema treats the
    module as absent.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
