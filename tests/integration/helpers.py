"""The machinery of the integration tests: real processes, started and always stopped.

- ``CeleryWorker``: a real ``celery worker`` process (solo pool, its own queue) on a given broker.
- ``RedisServer``: a private ``redis-server`` on its own port, to stop and start again in a drill
  (the shared broker of CELERY_BROKER_URL is never stopped).
- ``WebProcess``: a Django process that runs code sent to it, as a web process would (its own
  Celery publisher, its own database connection).
- ``SlowFileBackend``: the file email backend, slowed down, noting each step (a worker's
  EMAIL_BACKEND, through TEST_EMAIL_BACKEND which portal/settings_test.py reads).
- ``SmtpSink``: a minimal SMTP server (standard library only) that keeps what it receives.

Every process is stopped by its own object (terminate, then kill after a bounded wait); the
``Processes`` stack stops everything a test started, whatever happens in the test.
"""

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import quote

from django.core.mail.backends import filebased
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SLOW_FILE_BACKEND = "tests.integration.helpers.SlowFileBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def test_database_url() -> str:
    """The test database, as a DATABASE_URL for a worker or web process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def free_port() -> int:
    """A local TCP port nothing listens on (the kernel's choice, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sent_messages(mail_dir: Path) -> list[str]:
    """Every email the file backend wrote (several may share a file written in the same second)."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        if path.is_file() and path.name != "worker.log":
            messages += [m for m in path.read_text().split("-" * 79) if "Message-ID:" in m]
    return messages


def stop_process(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL when it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def kill_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


# --- Redis -------------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server on its own port (no persistence), to stop and start again."""

    def __init__(self, log_path: Path, port: int | None = None):
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not wait_until(lambda: self.process.poll() is not None or self.ping(), timeout=15, interval=0.05):
            self.stop()
            raise AssertionError(f"redis-server did not answer on port {self.port}")
        assert self.process.poll() is None, self.log_path.read_text()
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=10)
            self.process = None


def publish(task_name: str, *, broker_url: str, queue: str, args: tuple = ()) -> str:
    """Send a task to a queue of the given broker from this process; returns the task id."""
    from celery.exceptions import AlwaysEagerIgnored

    from portal.celery import app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)  # send_task always publishes
        with app.connection_for_write(broker_url) as conn:
            return app.send_task(task_name, args=args, queue=queue, connection=conn).id


# --- processes ---------------------------------------------------------------------------------


def _django_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": test_database_url(),
        **extra,
    }


class CeleryWorker:
    """A real worker process: solo pool, one queue, emails to files unless ``env`` says otherwise."""

    def __init__(self, *, broker_url: str, queue: str, mail_dir: Path, log_path: Path, env: dict | None = None):
        self.queue = queue
        self.log_path = log_path
        env = _django_env(
            **{
                "CELERY_BROKER_URL": broker_url,
                "CELERY_TASK_DEFAULT_QUEUE": queue,
                # What the worker itself queues (a task's retry) goes through the broker, as in
                # production: settings_test runs tasks inline unless told otherwise.
                "TEST_CELERY_EAGER": "0",
                "TEST_EMAIL_BACKEND": FILE_BACKEND,
                "TEST_EMAIL_FILE_PATH": str(mail_dir),
                **(env or {}),
            }
        )
        with open(log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-Q", queue]
                + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 60.0) -> "CeleryWorker":
        ready = wait_until(lambda: self.process.poll() is not None or " ready." in self.log(), timeout)
        assert ready and self.process.poll() is None, "the worker did not start:\n" + self.log()
        return self

    def task_result(self, task_id: str) -> str | None:
        """What the worker logged as the task's return value, once it succeeded."""
        marker = f"[{task_id}] succeeded in "
        for line in self.log().splitlines():
            if marker in line:
                return line.split(marker, 1)[1].split(": ", 1)[1].strip()
        return None

    def wait_result(self, task_id: str, timeout: float = 90.0) -> str:
        assert wait_until(lambda: self.task_result(task_id) is not None, timeout), self.log()
        return self.task_result(task_id)

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, nothing given back to the broker."""
        kill_process(self.process)

    def stop(self) -> None:
        stop_process(self.process)


WEB_PROCESS = r"""
import json, sys, time, traceback
import django
django.setup()
namespace = {}
print("@@ready", flush=True)
for line in sys.stdin:
    started = time.monotonic()
    try:
        exec(json.loads(line), namespace)
        reply = {"ok": True, "result": namespace.pop("result", None)}
    except Exception:
        reply = {"ok": False, "error": traceback.format_exc()}
    reply["seconds"] = time.monotonic() - started
    print("@@reply " + json.dumps(reply, default=str), flush=True)
"""


class WebProcess:
    """A long-lived Django process (like a web worker) that runs the code it is sent.

    ``run(code)`` executes ``code`` in the process (names persist between calls); a value
    assigned to ``result`` comes back, with the time the code took.
    """

    def __init__(self, *, log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        with open(log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WEB_PROCESS],
                cwd=ROOT,
                env=_django_env(**env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self._expect("@@ready", timeout=60)
        except BaseException:
            self.stop()
            raise

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def _expect(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.process.poll() is not None and self._lines.empty()):
                raise AssertionError(f"the web process gave no {prefix!r}:\n" + self.log())
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line.startswith(prefix):
                return line[len(prefix) :].strip()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def run(self, code: str, timeout: float = 120.0) -> dict:
        self.process.stdin.write(json.dumps(code) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self._expect("@@reply", timeout))
        assert reply["ok"], reply["error"]
        return reply

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        stop_process(self.process, timeout=10)


# --- ASGI servers (the live chat) ------------------------------------------------------------------


def _port_candidates() -> list[int]:
    """TEST_SERVER_PORTS ("8120-8129") when a machine gives each person a range; else the kernel's pick."""
    spec = os.environ.get("TEST_SERVER_PORTS", "")
    if "-" in spec:
        low, high = (int(part) for part in spec.split("-", 1))
        return list(range(low, high + 1))
    return [free_port()]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class AsgiServer:
    """A real daphne process serving ``portal.asgi`` (pages and the chat's sockets) on the test
    database, as the Procfile's chat process does, with the chat's frame limit on its command line.

    The channel layer is whatever CHANNEL_LAYER_URL says (Redis in CI, in-memory otherwise: one
    process then), the same prefix as the test process (portal/settings_test.py)."""

    def __init__(self, *, log_path: Path, env: dict[str, str] | None = None):
        from django.conf import settings

        self.log_path = log_path
        self.process = None
        for port in _port_candidates():
            if not _port_free(port):
                continue
            self.port = port
            command = [
                sys.executable,
                "-m",
                "daphne",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--websocket-max-message-size",
                str(settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE),
                "--websocket-max-frame-size",
                str(settings.DAPHNE_WEBSOCKET_MAX_FRAME_SIZE),
                "portal.asgi:application",
            ]
            with open(log_path, "a") as log:
                self.process = subprocess.Popen(
                    command, cwd=ROOT, env=_django_env(DEBUG="1", **(env or {})), stdout=log, stderr=log
                )
            if wait_until(self._answers, timeout=60, interval=0.2) and self.running():
                return
            self.stop()
        raise AssertionError(f"no ASGI server came up:\n{self.log()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _answers(self) -> bool:
        import urllib.request

        if self.process is None or self.process.poll() is not None:
            return True  # it exited: stop waiting (the caller sees it is not running)
        try:
            with urllib.request.urlopen(f"{self.url}/help/signing-in/", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=10)


class Processes(contextlib.ExitStack):
    """Everything a drill starts, stopped in reverse order when the drill ends (pass or fail).

    Logs go to numbered files in ``directory``, emails of the file backend to ``mail_dir``.
    """

    def __init__(self, directory: Path):
        super().__init__()
        self.directory = directory
        self.mail_dir = directory / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.queue = f"drill-{uuid.uuid4().hex[:12]}"  # the drill's own queue
        self._count = 0

    def _log(self, name: str) -> Path:
        self._count += 1
        return self.directory / f"{self._count:02d}-{name}.log"

    def redis(self) -> RedisServer:
        server = RedisServer(self._log("redis"))
        self.callback(server.stop)
        return server.start()

    def worker(self, *, broker_url: str, queue: str, env: dict | None = None) -> CeleryWorker:
        worker = CeleryWorker(
            broker_url=broker_url, queue=queue, mail_dir=self.mail_dir, log_path=self._log("worker"), env=env
        )
        self.callback(worker.stop)
        return worker

    def web(self, *, broker_url: str, queue: str, env: dict | None = None) -> WebProcess:
        env = {
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "TEST_CELERY_EAGER": "0",
            **(env or {}),
        }
        web = WebProcess(log_path=self._log("web"), env=env)
        self.callback(web.stop)
        return web

    def logs(self) -> str:
        """Every log of the drill, for a failure message."""
        return "\n".join(f"==> {p.name}\n{p.read_text()}" for p in sorted(self.directory.glob("*.log")))


# --- email -------------------------------------------------------------------------------------


class SlowFileBackend(filebased.EmailBackend):
    """The file backend, slowed down, noting each step in the TEST_EMAIL_TRACE file.

    ``begin <pid> <subject>`` when a send starts, then TEST_EMAIL_DELAY_BEFORE seconds (the mail
    server still has nothing), the email is written (the mail server has it), ``written <pid>
    <subject>``, then TEST_EMAIL_DELAY_AFTER seconds before returning (the worker has not yet
    marked the row sent).
    """

    def send_messages(self, email_messages):
        self._trace("begin", email_messages)
        time.sleep(float(os.environ.get("TEST_EMAIL_DELAY_BEFORE", "0")))
        sent = super().send_messages(email_messages)
        self._trace("written", email_messages)
        time.sleep(float(os.environ.get("TEST_EMAIL_DELAY_AFTER", "0")))
        return sent

    @staticmethod
    def _trace(step: str, email_messages) -> None:
        path = os.environ.get("TEST_EMAIL_TRACE")
        if path:
            with open(path, "a") as trace:
                for message in email_messages:
                    trace.write(f"{step} {os.getpid()} {message.subject}\n")


def trace_lines(path: Path, step: str) -> list[str]:
    """The subjects of the SlowFileBackend trace at ``step`` ("begin" or "written")."""
    if not path.exists():
        return []
    return [line.split(" ", 2)[2] for line in path.read_text().splitlines() if line.startswith(step + " ")]


class _SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 10

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink.test ESMTP")
        envelope: dict = {"to": []}
        while line := self.rfile.readline():
            verb = line[:4].decode("ascii", "replace").upper()
            if verb == "EHLO":
                self.reply("250-sink.test")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                envelope = {"from": line[10:].decode().strip(), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                address = line[8:].decode().strip()
                if address.strip("<>") in self.server.refuse:
                    self.reply("550 5.1.1 User unknown")
                    continue
                envelope["to"].append(address)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.received.append({**envelope, "data": b"".join(data).decode("utf-8", "replace")})
                self.reply("250 OK: queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in ("HELO", "RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


class SmtpSink(socketserver.ThreadingTCPServer):
    """A mail server on 127.0.0.1:``port`` that keeps what it receives in ``received``; it refuses
    the recipients in ``refuse`` for good (550 User unknown), as a server does an unknown address."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int, refuse: set[str] | None = None):
        super().__init__(("127.0.0.1", port), _SmtpHandler)
        self.received: list[dict] = []
        self.refuse: set[str] = set(refuse or ())
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> "SmtpSink":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
