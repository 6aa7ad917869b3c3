"""``python -m research`` is the same as the ``pilotbench`` command."""

from research.cli import main

raise SystemExit(main())
