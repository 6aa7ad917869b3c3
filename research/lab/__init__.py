"""JupyterLab: notebook conveniences and the server side of ``make lab``.

Conveniences in a notebook are in :mod:`~research.lab.notebook`, the server side of
``make lab`` in :mod:`~research.lab.server`.

Above :mod:`research.runner`; independent of :mod:`research.cli`.
"""

__all__: list[str] = []
