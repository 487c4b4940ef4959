"""The benchmark's HTTP side: a gunicorn server on loopback, a small cookie-keeping client, and the
worker's resident memory read from /proc (Linux) or psutil when it is installed."""
from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
ROOT = Path(__file__).resolve().parent.parent


class Client:
    """One browser: keeps the session cookie; every request is timed from send to the last byte."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form=None, headers=None, sink=None):
        """(status, headers, body, seconds); with ``sink`` the body is passed on in chunks and not kept."""
        body = urlencode(form, doseq=True).encode() if form is not None else None
        head = {"User-Agent": "xmt-bench/1", "Accept-Language": "zh-CN"}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            head["Content-Type"] = "application/x-www-form-urlencoded"
        head.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        start = time.perf_counter()
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        if sink is None:
            data = response.read()
        else:
            data = b""
            while chunk := response.read(65536):
                sink(chunk)
        elapsed = time.perf_counter() - start
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                if morsel.value and morsel["expires"] != "Thu, 01 Jan 1970 00:00:00 GMT":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        conn.close()
        return response.status, response.headers, data, elapsed

    def csrf(self, path: str = "/login") -> str:
        status, _headers, html, _t = self.request("GET", path)
        match = CSRF.search(html.decode("utf-8", "replace"))
        if status != 200 or not match:
            raise RuntimeError(f"No CSRF token on {path} (HTTP {status}).")
        return match.group(1) or match.group(2)

    def login(self, username: str, password: str) -> float:
        """Log in through the form (CSRF token from /login); returns the time of the POST alone."""
        self.cookies.clear()
        token = self.csrf("/login")
        status, headers, _body, elapsed = self.request(
            "POST", "/login", {"csrf_token": token, "username": username, "password": password})
        if status != 302 or "/login" in (headers.get("Location") or ""):
            raise RuntimeError(f"Login of {username} failed (HTTP {status}).")
        return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gunicorn -w 1 -k sync -b 127.0.0.1:<port> wsgi:app`` with the app's database and a fresh SECRET_KEY;
    with ``workers`` > 1, the project's gunicorn.conf.py (as `make serve` runs it) with that many workers
    (its timeout then comes from GUNICORN_TIMEOUT, which ``env`` may set)."""

    def __init__(self, database_url: str, timeout: int = 600, wsgi_app: str = "wsgi:app", workers: int = 1,
                 env: dict | None = None):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="xmt-bench-gunicorn-", suffix=".log", delete=False)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        # The login form allows 30 POSTs a minute per address; the benchmark logs in 100 times from one.
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secrets.token_hex(32),
                   LOGIN_RATE_LIMIT="100000 per minute", **(env or {}))
        env.pop("FLASK_DEBUG", None)
        if workers > 1:
            self.config = None
            env.update(WEB_CONCURRENCY=str(workers), BIND=f"127.0.0.1:{self.port}")
            self.command = [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "--error-logfile", self.log.name,
                            "--no-control-socket", wsgi_app]
        else:
            # Our own settings file, not the project's gunicorn.conf.py (several workers, recycled every 2,000
            # requests, an access log line per request): one sync worker that lives for the whole run.
            self.config = tempfile.NamedTemporaryFile("w", prefix="xmt-bench-gunicorn-", suffix=".conf.py",
                                                      delete=False)
            self.config.write(f"workers = 1\nworker_class = 'sync'\nbind = '127.0.0.1:{self.port}'\n"
                              f"timeout = {timeout}\nmax_requests = 0\naccesslog = None\n"
                              f"errorlog = {self.log.name!r}\n")
            self.config.close()
            self.command = [gunicorn, "-c", self.config.name, "-w", "1", "-k", "sync",
                            "-b", f"127.0.0.1:{self.port}", "--no-control-socket", wsgi_app]
        # No control socket: it would be the same file (~/.gunicorn/gunicorn.ctl) for every server started here.
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self._wait_ready()

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                status, *_ = Client(self.port).request("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {seconds} s; see {self.log.name}")

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids = children.read_text().split()
            if pids:
                return int(pids[0])
        import psutil  # not on Linux: psutil must be installed

        return psutil.Process(self.process.pid).children()[0].pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.config is not None and os.path.exists(self.config.name):
            os.unlink(self.config.name)


def rss_bytes(pid: int) -> int:
    if Path("/proc/self/status").exists():  # Linux
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise ProcessLookupError(pid)
    import psutil

    return psutil.Process(pid).memory_info().rss


class PeakRSS:
    """Samples a process's resident memory every few milliseconds in a thread: ``with PeakRSS(pid) as m``."""

    def __init__(self, pid: int, every: float = 0.005):
        self.pid, self.every = pid, every
        self.baseline = self.peak = rss_bytes(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_bytes(self.pid))
            except (OSError, ValueError, ProcessLookupError):
                return
            time.sleep(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        try:
            self.peak = max(self.peak, rss_bytes(self.pid))
        except (OSError, ProcessLookupError):
            pass

    @property
    def growth(self) -> int:
        return self.peak - self.baseline
