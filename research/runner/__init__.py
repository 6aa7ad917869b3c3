"""Layer 6, running notebooks into reports: parameters, kernels, HTML and PDF, batches.

- :mod:`~research.runner.params`: a notebook's parameters, validated before a kernel starts;
- :mod:`~research.runner.kernel`: the project's kernel, kept warm in batches;
- :mod:`~research.runner.report`: one report, written atomically;
- :mod:`~research.runner.pdf`: A4 PDF with headless Chromium;
- :mod:`~research.runner.batch`: scheduled batches and their index page.

May import :mod:`research.views` and the layers below it.
"""

__all__: list[str] = []
