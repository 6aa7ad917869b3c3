"""JupyterLab in a real browser: ``make lab`` started on a free port, each notebook Run All.

The server is started the way a researcher starts it (``make lab`` with ``LAB_ARGS``, which
adds ``--allow-root`` as root), on a copy of the notebooks so nothing in the repository is
written. Playwright drives Debian's chromium through the UI: open the notebook (it must not
be marked modified, and it must pick the "Python (pilotbench)" kernel), Run > Run All Cells,
then check there is no error output, every figure is an image that loaded, each confidence
interval in a table sits on its own line, and the parameter controls render. Screenshots
land in ``tests/.artifacts/`` for review, with the Run All timings in ``lab-timings.json``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from research.core.paths import PROJECT_ROOT

from .browser import ARTIFACTS, browser, chromium_path

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NOTEBOOKS = ["pilot_vs_candidate", "pilot_effect", "candidate_screening"]
RUN_TIMEOUT_MS = 300_000

#: JupyterLab settings for the test profile: every cell stays in the DOM (no windowing), so
#: outputs below the fold can be inspected; no news or update checks (no network).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its base URL, token and served folder."""

    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def open_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if chromium_path() is None:
        pytest.fail("chromium is missing: run `make test`, which installs Debian's chromium")
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(
        PROJECT_ROOT / "notebooks",
        root / "notebooks",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
    )
    for name in NOTEBOOKS:  # as if last saved on another Python: must still open unmodified
        path = root / "notebooks" / f"{name}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        nb.metadata["language_info"]["version"] = "3.0.0"
        nbformat.write(nb, str(path))
        os.utime(root / "notebooks" / f"{name}.py")  # the text stays the newer of the pair
    settings = root / "settings"
    for rel, value in SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(value))
    token, port = secrets.token_hex(16), _free_port()
    lab_args = " ".join(
        [
            "--no-browser",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={root / 'workspaces'}",
        ]
    )
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "IPYTHONDIR": str(root / "ipython"),
    }
    log = root / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                "make",
                "-s",
                "-C",
                str(PROJECT_ROOT),
                "lab",
                f"LAB_DIR={root}",
                f"LAB_ARGS={lab_args}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield Lab(url, token, root, log)
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop make, JupyterLab and its kernels (one process group); SIGKILL what lingers."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        proc.poll()  # reap make, so a zombie does not count as left in the group
        try:
            os.killpg(proc.pid, 0)  # anyone left in the group?
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _shut_down_kernels(lab: Lab) -> None:
    """Stop every kernel the previous notebook left running (2 cores are shared)."""
    api = f"{lab.url}/api/kernels"
    headers = {"Authorization": f"token {lab.token}"}
    with urllib.request.urlopen(urllib.request.Request(api, headers=headers)) as r:
        kernels = json.load(r)
    for k in kernels:
        req = urllib.request.Request(f"{api}/{k['id']}", headers=headers, method="DELETE")
        urllib.request.urlopen(req).close()


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Any]:
    with browser() as b:
        context = b.new_context(viewport={"width": 1400, "height": 1600})
        yield context.new_page()
        context.close()


def _open(page: Any, lab: Lab, path: str) -> None:
    _shut_down_kernels(lab)
    page.goto(lab.open_url(path))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function(  # the notebook's own kernel, started and idle
        """() => document.querySelector('.jp-KernelName')?.textContent?.trim() ===
                  'Python (pilotbench)' &&
              document.querySelector('.jp-Notebook-ExecutionIndicator')
                  ?.getAttribute('data-status') === 'idle'""",
        timeout=120_000,
        polling=250,
    )


def _run_all(page: Any) -> float:
    """Run > Run All Cells through the menu; seconds until every code cell has run."""
    page.click(".lm-MenuBar-item:has-text('Run')")
    t0 = time.perf_counter()
    page.click(".lm-Menu-item[data-command='runmenu:run-all']")
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_TIMEOUT_MS,
        polling=250,
    )
    seconds = time.perf_counter() - t0
    page.wait_for_selector(
        ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000
    )
    return seconds


OUTPUTS_JS = """() => {
    const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    const q = s => [...nb.querySelectorAll(s)];
    const below = span => {  // the interval's top is below the value's line
        const value = span.parentElement.firstChild;
        const r = document.createRange();
        r.selectNodeContents(value);
        return span.getBoundingClientRect().top >= r.getBoundingClientRect().bottom - 1;
    };
    return {
        kernel: document.querySelector('.jp-KernelName')?.textContent?.trim() ?? '',
        dirty: !!document.querySelector('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty'),
        stderr: q('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            .map(e => e.textContent),
        plain: q('.jp-OutputArea-output[data-mime-type="text/plain"]').map(e => e.textContent),
        images: q('.jp-OutputArea-output img').length,
        imagesLoaded: q('.jp-OutputArea-output img')
            .every(i => i.complete && i.naturalWidth > 100),
        intervals: q('.jp-OutputArea-output span.ci').length,
        intervalsBelow: q('.jp-OutputArea-output span.ci').every(below),
        widgets: q('.jp-OutputArea-output .widget-dropdown, .jp-OutputArea-output .widget-slider')
            .length,
    };
}"""


def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lab-{name}.png"))
    first = page.locator(".jp-OutputArea-output table:has(span.ci)").first
    if first.count():
        first.scroll_into_view_if_needed()
        first.screenshot(path=str(ARTIFACTS / f"lab-{name}-table.png"))


def _record_timing(name: str, seconds: float) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "lab-timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = round(seconds, 1)
    path.write_text(json.dumps(timings, indent=2))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_all_in_jupyterlab(lab: Lab, page: Any, name: str) -> None:
    _open(page, lab, f"notebooks/{name}.ipynb")
    page.wait_for_timeout(1000)  # give the kernel's metadata time to land
    before = page.evaluate(OUTPUTS_JS)
    assert before["kernel"] == "Python (pilotbench)", before["kernel"]
    assert not before["dirty"], "the notebook is marked modified right after opening"
    seconds = _run_all(page)
    _record_timing(name, seconds)
    page.wait_for_timeout(500)
    out = page.evaluate(OUTPUTS_JS)
    _shoot(page, name)
    errors = [s for s in out["stderr"] if "Error" in s or "Traceback" in s]
    assert errors == [], errors
    assert not any("<Figure size" in p for p in out["plain"]), out["plain"]
    assert out["images"] >= 1 and out["imagesLoaded"], out
    if name == "pilot_vs_candidate":
        assert out["intervals"] >= 6, out
    assert out["intervalsBelow"], "an interval shares the line of its value"
    assert out["widgets"] >= 2, "the parameter controls did not render"


SCRATCH = [
    "import research\nfrom research.data.panel import load_panel, series\n"
    "from research.views.charts import trend_chart\npanel = load_panel()",
    "huddinge = series(panel, 'N07402', ['Huddinge', 'Sodertalje'])\n"
    "sorted(huddinge['area_code'].unique())",
    "trend_chart(huddinge, series=[('0126', 'Huddinge'), ('0181', 'Södertälje')],\n"
    "            title='Grov kvinnofridskränkning', ylabel='per 100 000')",
    "lang = 'sv'\nseries(panel, 'N07402', ['Hudinge'])",
]


def test_package_in_a_new_notebook(lab: Lab, page: Any) -> None:
    """A new notebook without %matplotlib: names resolve, the chart shows, a typo is one
    Swedish line."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in SCRATCH]
    nb.metadata["kernelspec"] = {
        "name": "pilotbench",
        "display_name": "Python (pilotbench)",
        "language": "python",
    }
    nbformat.write(nb, str(lab.root / "scratch.ipynb"))
    _open(page, lab, "scratch.ipynb")
    _run_all(page)
    page.wait_for_timeout(500)
    out = page.evaluate(OUTPUTS_JS)
    _shoot(page, "scratch")
    assert "['0126', '0181']" in " ".join(out["plain"]), out["plain"]
    assert out["images"] == 1 and out["imagesLoaded"], out
    assert not any("<Figure size" in p for p in out["plain"])
    (error,) = out["stderr"]
    assert error.strip().startswith("UnknownAreaError: 'Hudinge' är inget känt område"), error
    assert "menade du Huddinge (0126)" in error and len(error.strip().splitlines()) == 1


def test_launcher_offers_the_project_kernel_only(lab: Lab, page: Any) -> None:
    with urllib.request.urlopen(f"{lab.url}/api/kernelspecs?token={lab.token}") as r:
        specs = json.load(r)
    assert specs["default"] == "pilotbench" and list(specs["kernelspecs"]) == ["pilotbench"]
    _shut_down_kernels(lab)
    page.goto(f"{lab.url}/lab?reset&token={lab.token}")
    page.wait_for_selector(".jp-Launcher .jp-LauncherCard", timeout=60_000)
    kernels = page.evaluate(
        """() => {
            const section = [...document.querySelectorAll('.jp-Launcher-section')].find(
                s => s.querySelector('.jp-Launcher-sectionTitle')?.textContent.trim() ===
                     'Notebook');
            return section ? [...section.querySelectorAll('.jp-LauncherCard-label')]
                .map(e => e.textContent.trim()) : null;
        }"""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lab-launcher.png"))
    assert kernels == ["Python (pilotbench)"], kernels
