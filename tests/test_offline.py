"""Report pages stay offline: local resources embedded, remote ones refused with their URLs."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import nbformat
import pytest

from research.core.errors import ReportError
from research.runner.offline import find_resources, make_self_contained

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def test_find_resources_lists_loads_not_links():
    page = (
        '<a href="https://kolada.se">Kolada</a><img alt="x" data-x="1" src="https://a.org/i.png">'
        "<script src=//cdn.example/s.js></script><link rel=stylesheet href='https://b.org/c.css'>"
        '<img srcset="p.png 1x, https://c.org/q.png 2x"><div style="background:url(\'bg.png\')">'
        '<img src="data:image/png;base64,AAAA"><object data="https://d.org/o.svg"></object>'
        "<style>@import 'https://e.org/f.css';</style>"
    )
    assert find_resources(page) == [
        "https://a.org/i.png", "//cdn.example/s.js", "https://b.org/c.css", "p.png",
        "https://c.org/q.png", "bg.png", "https://d.org/o.svg", "https://e.org/f.css",
    ]  # fmt: skip


def test_local_files_are_embedded(tmp_path: Path):
    (tmp_path / "logo.png").write_bytes(PNG)
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    out = make_self_contained(
        '<img src="logo.png" alt="a"><img src=\'./logo.png\'><p style="background:url(logo.png)">',
        tmp_path,
    )
    assert out == f'<img src="{uri}" alt="a"><img src="{uri}"><p style="background:url({uri})">'
    assert find_resources(out) == []
    # CSS is only read in style elements and attributes: prose about url(x) is not a load
    assert make_self_contained("<p>write url(x.png) in CSS</p>", tmp_path) == (
        "<p>write url(x.png) in CSS</p>"
    )
    styled = make_self_contained("<style>h1{background:url('logo.png')}</style>", tmp_path)
    assert styled == f"<style>h1{{background:url('{uri}')}}</style>"


def test_remote_and_missing_resources_are_refused_with_every_url(tmp_path: Path):
    page = (
        '<img src="https://example.org/a.png"><script src="http://example.org/s.js"></script>'
        '<img src="https://example.org/a.png"><img src="gone.png">'
    )
    with pytest.raises(ReportError) as err:
        make_self_contained(page, tmp_path)
    msg = str(err.value)
    assert "2 resources from the network" in msg
    assert "https://example.org/a.png, http://example.org/s.js" in msg
    assert "1 local file not found: gone.png" in msg
    assert "\n" not in msg


@pytest.mark.slow
def test_user_notebook_with_a_remote_image_fails_and_keeps_the_last_report(tmp_path: Path):
    from research.runner.report import run_report

    (tmp_path / "chart.png").write_bytes(PNG)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "pilotbench", "display_name": "Python (pilotbench)",
                                 "language": "python"}  # fmt: skip
    params = nbformat.v4.new_code_cell('lang: str = "sv"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_markdown_cell("# Min rapport\n\n![lokal bild](chart.png)"),
        nbformat.v4.new_code_cell("print('ok')"),
    ]
    path = tmp_path / "mine.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "reports"
    good = run_report(path, {}, output_root=out)
    page = good.html.read_text(encoding="utf-8")
    assert find_resources(page) == []  # the local image is embedded
    assert "data:image/png;base64," + base64.b64encode(PNG).decode() in page
    before = good.html.read_bytes()
    nb.cells.append(nbformat.v4.new_markdown_cell("![logga](https://example.org/logo.png)"))
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from IPython.display import HTML\n"
            "HTML('<script src=\"https://cdn.example.org/x.js\"></script>')"
        )
    )
    nbformat.write(nb, path)
    with pytest.raises(ReportError) as err:
        run_report(path, {}, output_root=out)
    assert "https://example.org/logo.png, https://cdn.example.org/x.js" in str(err.value)
    assert good.html.read_bytes() == before  # the last good report stays in place
    manifests = [json.loads(p.read_text()) for p in out.glob("*/manifest.json")]
    assert len(manifests) == 1


def test_docstring_examples_run():
    import doctest
    import importlib

    res = doctest.testmod(
        importlib.import_module("research.runner.offline"), optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert res.failed == 0 and res.attempted >= 2
