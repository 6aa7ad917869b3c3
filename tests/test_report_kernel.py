"""Report kernels run with -OO, and a notebook's own ``assert`` statements still run (issue 17).

The interpreter of a report kernel drops the libraries' docstrings (``-OO``); the cells are
compiled by :class:`research.runner.report_kernel.CellCompiler` without optimisation. These
tests run real kernels and a real report: the libraries have no docstrings, a failing
``assert`` in a cell fails the cell (and the report, which is not written), ``__debug__`` is
true in cells, and a ``from __future__`` import carries over to the next cells as in IPython.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zmq

from research.core.errors import ReportError
from research.runner.kernel import KernelSession
from research.runner.kernel_launch import kernel_argv
from research.runner.report import run_report

pytestmark = pytest.mark.slow


def _run_cells(session: KernelSession, cells: list[str]) -> list[tuple[str, str]]:
    """Execute ``cells`` in order; per cell, (status, what it printed or the error's name)."""
    km = session.ready()
    ctx = zmq.Context()
    kc = km.client(context=ctx)
    kc.start_channels()
    out: list[tuple[str, str]] = []
    try:
        kc.wait_for_ready(timeout=120)
        for cell in cells:
            printed: list[str] = []

            def hook(msg: dict, printed: list[str] = printed) -> None:
                if msg["msg_type"] == "stream":
                    printed.append(msg["content"]["text"])

            reply = kc.execute_interactive(cell, timeout=120, output_hook=hook)
            content = reply["content"]
            if content["status"] == "ok":
                out.append(("ok", "".join(printed).strip()))
            else:
                out.append((content["status"], content.get("ename", "")))
    finally:
        kc.stop_channels()
        ctx.destroy(linger=0)
    return out


def test_the_kernel_runs_optimised_and_the_cells_keep_their_asserts() -> None:
    assert kernel_argv()[1] == "-OO"
    session = KernelSession()
    session.start()
    try:
        got = _run_cells(
            session,
            [
                "import sys, json, numpy\n"
                "print(sys.flags.optimize, numpy.__doc__ is None, json.dumps.__doc__ is None)",
                "print(__debug__)",
                "assert 1 + 1 == 3, 'a notebook check'",
                "def f():\n    assert False\ntry:\n    f()\nexcept AssertionError:\n"
                "    print('raised')",
                "from __future__ import annotations",
                "def g(x: not_defined_anywhere): pass\nprint(g.__annotations__)",
            ],
        )
    finally:
        session.shutdown()
    assert got == [
        ("ok", "2 True True"),
        ("ok", "True"),
        ("error", "AssertionError"),
        ("ok", "raised"),
        ("ok", ""),
        ("ok", "{'x': 'not_defined_anywhere'}"),
    ]


def test_a_failing_assert_in_a_notebook_fails_its_report(tmp_path: Path) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "params",
                "metadata": {"tags": ["parameters"]},
                "outputs": [],
                "source": "share: float = 0.5",
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "check",
                "metadata": {},
                "outputs": [],
                "source": "assert 0 <= share <= 1, 'share must be a proportion'\nprint(share)",
            },
        ],
        "metadata": {
            "kernelspec": {"name": "pilotbench", "display_name": "Python (pilotbench)"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "checked.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    out = tmp_path / "reports"
    ok = run_report(str(path), {"share": 0.25}, output_root=out)
    assert ok.html.exists()
    with pytest.raises(ReportError, match="share must be a proportion"):
        run_report(str(path), {"share": 2.0}, output_root=out)
    made = [p for p in out.iterdir() if not p.name.startswith((".", "failed"))]
    assert made == [ok.html.parent]  # nothing written for the refused run
    assert len(list((out / "failed").glob("*.ipynb"))) == 1


def test_ones_own_modules_keep_their_asserts_and_the_libraries_stay_optimised(
    tmp_path: Path,
) -> None:
    """A notebook's checks.py ran without its asserts under -OO: the report passed numbers
    that the same notebook refused in JupyterLab."""
    (tmp_path / "mychecks.py").write_text(
        '"""My checks."""\n\n\ndef proportion(x):\n    assert 0 <= x <= 1, "not a share"\n'
        "    return x\n",
        encoding="utf-8",
    )
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text('"""Package doc."""\nassert True\n', encoding="utf-8")
    (pkg / "rules.py").write_text("def check():\n    assert False, 'rule'\n", encoding="utf-8")
    session = KernelSession()
    session.start()
    try:
        got = _run_cells(
            session,
            [
                f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
                "import mychecks, mypkg, mypkg.rules, numpy, research.stats.glm\n"
                "print(mychecks.__doc__, mypkg.__doc__, numpy.__doc__ is None,"
                " research.stats.glm.fit_glm.__doc__ is None)",
                "mychecks.proportion(2.0)",
                "mypkg.rules.check()",
                "print(mychecks.proportion(0.5))",
            ],
        )
    finally:
        session.shutdown()
    assert got == [
        ("ok", "My checks. Package doc. True True"),
        ("error", "AssertionError"),
        ("error", "AssertionError"),
        ("ok", "0.5"),
    ]
