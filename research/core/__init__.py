"""Layer 0, the base: errors, paths, file locks, configuration schemas, number formatting.

Imports nothing from the rest of :mod:`research`; everything else may import it.

- :mod:`~research.core.errors`: the exception and warning hierarchy;
- :mod:`~research.core.paths`: where data, reports and notebooks live;
- :mod:`~research.core.locking`: atomic writes and folder locks;
- :mod:`~research.core.config`: pydantic schemas of the TOML configuration files;
- :mod:`~research.core.ddf`: reading DDF-CSV files (the open-numbers format);
- :mod:`~research.core.fmt`: Swedish and English number formats;
- :mod:`~research.core.display`: how results show themselves in JupyterLab;
- :mod:`~research.core.version`: the package version;
- :mod:`~research.core.offload`: a lone report kernel's worker process on a spare core.
"""

__all__: list[str] = []
