"""Drive a real JupyterLab (or a marimo app) in headless Chromium: shared by the browser tests and
benchmarks/explorer_bench.py.

JupyterLab is started once (on a free loopback port, no token, its own settings/workspaces folders, tablelens
importable in the kernel); each test writes a notebook, opens it in a fresh workspace, runs its cells through
Lab's own commands (`window.jupyterapp.commands`) and waits on the widget's `data-role` selectors.
Chromium is Debian's (`/usr/bin/chromium`), driven by Python Playwright; no browser is ever downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "ROOT",
    "JupyterLab",
    "MarimoApp",
    "NotebookPage",
    "Steps",
    "chromium_available",
    "launch_chromium",
    "notebook_json",
    "write_notebook",
]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TABLELENS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# JupyterLab settings that make runs deterministic: every cell rendered (no windowing), no news, no autosave.
_LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def notebook_json(cells: Sequence[str]) -> dict[str, Any]:
    """A v4 notebook of code cells, with the kernelspec Lab needs to start the kernel without asking."""
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8], "metadata": {},
             "outputs": [], "source": src}
            for src in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook_json(cells), indent=1))
    return path


@dataclass
class JupyterLab:
    """A JupyterLab server process serving `root_dir`."""

    root_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, root_dir: Path, env: dict[str, str] | None = None, timeout: float = 90) -> JupyterLab:
        """Start Lab with the venv's Python (`python -m jupyter lab`) and wait until its API answers."""
        root_dir = Path(root_dir)
        home = root_dir / ".lab"
        settings = home / "settings"
        for rel, value in _LAB_SETTINGS.items():
            p = settings / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value))
        (home / "workspaces").mkdir(parents=True, exist_ok=True)
        (home / "runtime").mkdir(parents=True, exist_ok=True)
        port = _free_port()
        full_env = dict(os.environ)
        widget_dir = str(ROOT / "widget")
        full_env["PYTHONPATH"] = os.pathsep.join(p for p in (widget_dir, full_env.get("PYTHONPATH", "")) if p)
        full_env["JUPYTER_RUNTIME_DIR"] = str(home / "runtime")
        full_env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        full_env.update(env or {})
        log_path = home / "lab.log"
        cmd = [
            sys.executable, "-m", "jupyter", "lab",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--LabApp.expose_app_in_browser=True",
            "--JupyterNotebookApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={home / 'workspaces'}",
            "--no-browser",
            f"--ServerApp.root_dir={root_dir}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI containers run as root
        log = open(log_path, "wb")  # noqa: SIM115 - the server writes to it for its whole life
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=root_dir,
                                start_new_session=True)
        lab = cls(root_dir, port, proc, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{lab.log_tail()}")
            try:
                with urllib.request.urlopen(f"{lab.url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        return lab
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        lab.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{lab.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def api(self, method: str, path: str) -> Any:
        req = urllib.request.Request(f"{self.url}{path}", method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel (each notebook's kernel takes memory; tests do not need old ones)."""
        with contextlib.suppress(OSError, urllib.error.URLError):
            for s in self.api("GET", "/api/sessions") or []:
                with contextlib.suppress(OSError, urllib.error.URLError):
                    self.api("DELETE", f"/api/sessions/{s['id']}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.shutdown_kernels()
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class MarimoApp:
    """`marimo run APP` serving one app on a free loopback port: no token, no sandbox, no update check, marimo's
    configuration and state kept in the app's folder (the user's own marimo.toml is not read)."""

    app: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, app: Path, env: dict[str, str] | None = None, timeout: float = 90) -> MarimoApp:
        """Start the app with the venv's Python (`python -m marimo run`) and wait until its page answers."""
        app = Path(app)
        home = app.parent / ".marimo-home"
        for d in ("config", "state", "cache"):
            (home / d).mkdir(parents=True, exist_ok=True)
        port = _free_port()
        full_env = dict(os.environ)
        widget_dir = str(ROOT / "widget")
        full_env["PYTHONPATH"] = os.pathsep.join(p for p in (widget_dir, full_env.get("PYTHONPATH", "")) if p)
        full_env.update({
            "MARIMO_SKIP_UPDATE_CHECK": "1",
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
        })
        full_env.update(env or {})
        log_path = app.parent / "marimo.log"
        cmd = [sys.executable, "-m", "marimo", "run", str(app), "--headless", "--host", "127.0.0.1",
               "--port", str(port), "--no-token", "--no-sandbox"]
        log = open(log_path, "wb")  # noqa: SIM115 - the server writes to it for its whole life
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=app.parent,
                                start_new_session=True)
        server = cls(app, port, proc, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"marimo exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(f"{server.url}/", timeout=2) as r:
                    if r.status == 200:
                        return server
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        server.stop()
        raise RuntimeError(f"marimo did not answer within {timeout} s:\n{server.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server and the kernels it started (its whole process group)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # kernels left behind by the server


def launch_chromium(playwright: Any, headless: bool = True) -> Any:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    if not chromium_available():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (`make browser` or "
                           "`apt-get install -y chromium`)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=headless, args=CHROMIUM_ARGS)


@dataclass
class Steps:
    """Screenshots of each step of a test, written out only when the test fails."""

    name: str
    out_dir: Path = ROOT / "test-artifacts"
    shots: list[tuple[str, bytes]] = field(default_factory=list)
    page: Any = None

    def step(self, label: str) -> None:
        if self.page is None:
            return
        with contextlib.suppress(Exception):
            self.shots.append((label, self.page.screenshot(full_page=True)))

    def save(self) -> Path:
        d = self.out_dir / self.name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True, exist_ok=True)
        for i, (label, png) in enumerate(self.shots):
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label)[:60]
            (d / f"{i:02d}-{safe}.png").write_bytes(png)
        return d


class NotebookPage:
    """One notebook open in Lab in its own workspace, with helpers to run cells and read the widget."""

    def __init__(self, page: Any, lab: JupyterLab, notebook: str) -> None:
        self.page = page
        self.lab = lab
        self.notebook = notebook
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):
            dialog.dismiss()

    def open(self, timeout: float = 60_000, app: str = "lab") -> NotebookPage:
        """Open the notebook (in JupyterLab, or in Notebook 7 with `app="notebook"`) and wait for an idle kernel."""
        if app == "notebook":
            url = f"{self.lab.url}/notebooks/{self.notebook}"
        else:
            url = f"{self.lab.url}/lab/workspaces/t{uuid.uuid4().hex[:8]}/tree/{self.notebook}?reset"
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=timeout)
        self.page.wait_for_function(
            """(name) => {
                const w = window.jupyterapp.shell.currentWidget;
                return !!(w && w.context && w.context.path.endsWith(name) && w.sessionContext
                          && w.sessionContext.session && w.sessionContext.session.kernel
                          && w.sessionContext.session.kernel.status === 'idle' && w.content.widgets.length);
            }""",
            arg=self.notebook, timeout=timeout)
        return self

    def command(self, name: str, args: dict[str, Any] | None = None) -> None:
        self.page.evaluate("([n, a]) => window.jupyterapp.commands.execute(n, a || {})", [name, args])

    def run_all(self) -> None:
        self.command("notebook:run-all-cells")

    def run_cells(self, upto: int) -> None:
        """Run cells 0..upto-1 (the cells above cell `upto`)."""
        self.page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", upto)
        self.command("notebook:run-all-above")

    def run_cell(self, index: int) -> None:
        self.page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index)
        self.command("notebook:run-cell")

    def wait_idle(self, timeout: float = 60_000) -> None:
        self.page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
            timeout=timeout)

    def cell_output_text(self, index: int) -> str:
        return str(self.page.evaluate(
            "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].outputArea.node.innerText", index))

    def explorer(self, index: int = 0) -> Any:
        """The `index`-th Explorer root on the page."""
        return self.page.locator("[data-role=explorer]").nth(index)

    def row_count(self, index: int = 0) -> int:
        el = self.explorer(index).locator("[data-role=row-count]")
        return int(el.get_attribute("data-count") or "-1")

    def wait_row_count(self, n: int, index: int = 0, timeout: float = 30_000) -> None:
        self.page.wait_for_function(
            """([i, n]) => {
                const root = document.querySelectorAll('[data-role=explorer]')[i];
                const c = root && root.querySelector('[data-role=row-count]');
                return !!c && Number(c.getAttribute('data-count')) === n && !root.hasAttribute('data-busy');
            }""",
            arg=[index, n], timeout=timeout)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.page.evaluate(
                "() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        with contextlib.suppress(Exception):
            self.page.close(run_before_unload=False)


@contextlib.contextmanager
def lab_session(root_dir: Path, env: dict[str, str] | None = None, browser: Any = None
                ) -> Iterator[tuple[JupyterLab, Any, Any]]:
    """Lab + Playwright + Chromium for a whole session: `(lab, playwright, browser)`.

    Pass `browser` to reuse one already running (Playwright's sync API allows one driver per thread, so a test
    run shares one; see the `chromium` fixture in tests/conftest.py); `playwright` is then None.
    """
    from playwright.sync_api import sync_playwright

    lab = JupyterLab.start(root_dir, env)
    try:
        if browser is not None:
            yield lab, None, browser
            return
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                yield lab, pw, browser
            finally:
                browser.close()
    finally:
        lab.stop()
