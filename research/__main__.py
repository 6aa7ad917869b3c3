"""``python -m research`` is the same as the ``pilotbench`` command."""

from .cli import main

raise SystemExit(main())
