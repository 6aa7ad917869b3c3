"""JupyterLab: conveniences in a notebook (:mod:`~research.lab.notebook`) and the server side
of ``make lab`` (:mod:`~research.lab.server`).

Above :mod:`research.runner`; independent of :mod:`research.cli`.
"""

__all__: list[str] = []
