"""The package's version, in one place (reports print it in their footer)."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
