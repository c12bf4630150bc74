"""Two web instances, nothing local (``make drill-two-instances``): what one instance does, the other sees.

    .venv/bin/python bench/two_instances.py                    # database bench_two_instances, free ports
    .venv/bin/python bench/two_instances.py --base-port 8130   # ports 8130..8135 (nginx, A, B, Redis, chat A, chat B)

All on loopback, every process started here and stopped in ``finally``:

1. One private ``redis-server`` (no persistence): the Celery broker (db 0), the cache (db 1) and the
   chat's channel layer (db 2) of every process, so throttle counts start from nothing on every run.
2. Two gunicorns, A and B (``portal.wsgi``, sync workers), with the production settings: DEBUG=0
   and what ``.ci/run`` sets for ``check --deploy``, started by bench/run.py's ``start_gunicorn``
   with its ``production_env`` (SECURE_SSL_REDIRECT=0 on loopback). Both use one PostgreSQL
   database and one MEDIA_ROOT directory (the shared storage; production uses S3 through
   django-storages, UPLOAD_STORAGE=s3, see core/uploads.py).
3. Two chat processes, chat A and chat B: the Procfile's ``chat`` command (daphne serving
   ``portal.asgi``, with its frame limits and pings) on loopback ports, with the same environment.
4. nginx (Debian's binary, its own config, pid, logs and temp paths in a temporary directory,
   ``daemon off``) as a round-robin load balancer: pages to A and B, ``/ws/`` (the WebSocket
   upgrade passed on) to chat A and chat B.
5. ``CHECKS``, a list of named checks, run in order; each returns what it measured in words or
   raises. One more check is one more function with ``@check(...)``. The personas sign in
   through the real /login/ and /mfa/ pages (bench/loadgen.py's ``login``) with a TOTP code.
6. The results table goes to bench/results/two-instances.md.

Every request and every wait for a chat frame has a timeout (``REQUEST_TIMEOUT``); the whole drill
takes well under two minutes.
tests/integration/test_two_instances.py runs the same checks on the test database in ``.ci/run``.
"""

import argparse
import contextlib
import datetime
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import websocket

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import loadgen  # noqa: E402
from common import LOOPBACK, RESULTS, ROOT, admin_connection, database_url, machine_note  # noqa: E402
from run import DEMO_PASSWORD, DEMO_TOTP_SECRET, PYTHON, production_env, start_gunicorn, stop_gunicorn  # noqa: E402

DEFAULT_DB = "bench_two_instances"
REPORT = RESULTS / "two-instances.md"
REQUEST_TIMEOUT = 15.0
WORKERS = 2  # gunicorn sync workers per instance
# Low limits so the drill crosses them in a few requests; the counts, not the numbers, are checked.
ELIGIBILITY_PER_MINUTE = 6
LOGIN_FAILURES_BEFORE_LOCK = 4
DRILL_SETTINGS = {
    "RATE_ELIGIBILITY_MINUTE": f"{ELIGIBILITY_PER_MINUTE}/m",
    "LOGIN_FAILURES_BEFORE_LOCK": str(LOGIN_FAILURES_BEFORE_LOCK),
    "UPLOAD_STORAGE": "local",
}
# The analyst takes this long to answer: longer than channels-redis's blocking read of the channel
# layer (5 s), so an idle socket's wait on Redis is part of the check.
CHAT_PAUSE_SECONDS = 7
PDF = b"%PDF-1.4\n% two-instance drill\n" + b"0" * 2000 + b"\n%%EOF\n"

loadgen.TIMEOUT = REQUEST_TIMEOUT


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited ({process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:g} s")


def stop(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def static_up_to_date() -> bool:
    """The collected static files and their manifest (production's whitenoise storage needs it) are
    newer than every file of static/: collectstatic, which compresses everything (minutes on a busy
    machine), is skipped."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = max((p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file()), default=0)
    return manifest.stat().st_mtime > newest


def chat_command(port: int) -> list[str]:
    """The Procfile's ``chat`` command on loopback and ``port``: the drill runs what production runs
    (daphne with the frame limits and pings), only its address differs."""
    line = next((x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("chat:")), None)
    if line is None:
        raise RuntimeError("the Procfile has no chat process")
    variables = {"CHAT_PORT": str(port)}
    words = [
        re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: variables.get(m[1], m[2]), word)
        for word in shlex.split(line.split(":", 1)[1])
    ]
    if words[0] != "daphne" or "--bind" not in words or str(port) not in words:
        raise RuntimeError(f"the Procfile's chat process is not daphne --bind ... --port ${{CHAT_PORT}}: {line}")
    words[words.index("--bind") + 1] = LOOPBACK
    words[0] = str(Path(PYTHON).parent / "daphne")
    return words


# --- the stack ----------------------------------------------------------------------------------------


@dataclass
class Instance:
    name: str
    port: int


NGINX_CONF = """daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/tmp/client_body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    client_max_body_size 60m;
    # Round robin is nginx's default: requests alternate between A and B.
    upstream portal {{
        server {host}:{port_a};
        server {host}:{port_b};
    }}
    # The chat's sockets alternate between chat A and chat B the same way.
    upstream chat {{
        server {host}:{chat_a};
        server {host}:{chat_b};
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://portal;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 5s;
            proxy_read_timeout 30s;
            proxy_next_upstream off;
            add_header X-Drill-Upstream $upstream_addr always;
        }}
        # A WebSocket handshake is HTTP/1.1 with hop-by-hop Upgrade and Connection headers, which
        # nginx drops unless they are set again; daphne pings every 20 s, so an open socket never
        # sits idle for the read timeout.
        location /ws/ {{
            proxy_pass http://chat;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;
            proxy_next_upstream off;
            add_header X-Drill-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Stack(contextlib.ExitStack):
    """Redis, gunicorn A and B, chat A and B, nginx in front: started by ``start``, stopped on exit
    whatever happens."""

    def __init__(self, *, database: str, directory: Path, base_port: int | None = None, workers: int = WORKERS):
        super().__init__()
        self.database, self.directory, self.workers = database, directory, workers
        ports = [base_port + i for i in range(6)] if base_port else [free_port() for _ in range(6)]
        self.lb, self.a, self.b = Instance("nginx", ports[0]), Instance("A", ports[1]), Instance("B", ports[2])
        self.redis_port = ports[3]
        self.chat_a, self.chat_b = Instance("chat A", ports[4]), Instance("chat B", ports[5])
        self.media_root = directory / "media"
        self.secret_key = secrets.token_urlsafe(60)

    @property
    def web(self) -> list[Instance]:
        return [self.a, self.b]

    @property
    def chat(self) -> list[Instance]:
        return [self.chat_a, self.chat_b]

    def env(self) -> dict:
        env = production_env("", self.secret_key)
        env.update(
            DATABASE_URL=self.database,
            CELERY_BROKER_URL=f"redis://{LOOPBACK}:{self.redis_port}/0",
            CACHE_URL=f"redis://{LOOPBACK}:{self.redis_port}/1",
            CHANNEL_LAYER_URL=f"redis://{LOOPBACK}:{self.redis_port}/2",
            MEDIA_ROOT=str(self.media_root),
            **DRILL_SETTINGS,
        )
        return env

    def start(self) -> "Stack":
        self.media_root.mkdir(parents=True, exist_ok=True)
        self._start_redis()
        if not static_up_to_date():
            subprocess.run(
                [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=self.env(),
                check=True,
                timeout=600,
            )
        for instance in self.web:
            process = start_gunicorn(
                "",
                self.secret_key,
                instance.port,
                self.workers,
                env=self.env(),
                log_path=self.directory / f"gunicorn-{instance.name}.log",
            )
            self.callback(stop_gunicorn, process)
        self._start_chat()
        self._start_nginx()
        self._warm_up()
        return self

    def _warm_up(self, timeout: float = 90.0) -> None:
        """Each worker loads the URL map and the templates on its first request: a busy machine may
        take longer than REQUEST_TIMEOUT for it, so the checks start once A, B and the chat
        processes answer."""
        requests = [(i, "/login/") for i in self.web for _ in range(self.workers * 2)]
        for instance, path in requests + [(i, "/healthz") for i in self.chat]:
            conn = loadgen.http.client.HTTPConnection(LOOPBACK, instance.port, timeout=timeout)
            try:
                conn.request("GET", path, headers={"Host": LOOPBACK, "Connection": "close"})
                conn.getresponse().read()
            finally:
                conn.close()

    def _start_chat(self) -> None:
        """Both chat processes start at once (each loads Django), then each must listen."""
        started = []
        for instance in self.chat:
            log = self.enter_context(open(self.directory / f"daphne-{instance.name.split()[-1]}.log", "w"))  # noqa: SIM115
            process = subprocess.Popen(
                chat_command(instance.port), cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
            self.callback(stop, process)
            started.append((instance, process))
        for instance, process in started:
            wait_listening(instance.port, process, instance.name, timeout=60)

    def _start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed")
        log = self.enter_context(open(self.directory / "redis.log", "w"))  # noqa: SIM115
        process = subprocess.Popen(
            [binary, "--port", str(self.redis_port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.callback(stop, process)
        wait_listening(self.redis_port, process, "redis-server")

    def _start_nginx(self) -> None:
        binary = nginx_binary()
        if not binary:
            raise RuntimeError("nginx is not installed (Debian's package: apt-get install nginx-light)")
        nginx_dir = self.directory / "nginx"
        (nginx_dir / "tmp").mkdir(parents=True, exist_ok=True)
        # nginx's workers may run as another user (nobody) when started as root.
        for path in (self.directory, nginx_dir):
            path.chmod(0o755)
        (nginx_dir / "tmp").chmod(0o777)
        conf = nginx_dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                dir=nginx_dir,
                host=LOOPBACK,
                port=self.lb.port,
                port_a=self.a.port,
                port_b=self.b.port,
                chat_a=self.chat_a.port,
                chat_b=self.chat_b.port,
            )
        )
        log = self.enter_context(open(nginx_dir / "nginx.out", "w"))  # noqa: SIM115
        process = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(nginx_dir), "-e", str(nginx_dir / "nginx-error.log")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.callback(stop, process)
        wait_listening(self.lb.port, process, "nginx")

    def logs(self) -> str:
        paths = sorted(self.directory.glob("*.log")) + sorted((self.directory / "nginx").glob("*.log"))
        return "\n".join(f"==> {p.name}\n{p.read_text()[-4000:]}" for p in paths if p.exists())


# --- the personas, written in the database by this process --------------------------------------------


@dataclass
class Personas:
    provider: str  # with Eligibility, Authorizations and the Message Box (the live chat)
    analysts: tuple[str, str]
    locked: str
    member_id: str
    date_of_birth: datetime.date
    request_pk: int
    thread_uuid: str
    item_pk: int
    draft_uuid: str
    browsers: dict = field(default_factory=dict)  # email -> loadgen.Browser, signed in by the first check


def persona_name(email: str) -> str:
    return f"Drill {email.split('@')[0]}"


def personas_create() -> Personas:
    """A provider with Eligibility and Authorizations (a covered member, an authorization draft at
    its attachments step, an open Add Facility request), two analysts, and a user to lock out.
    Passwords are hashed with production's hasher, whatever this process's settings say."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access_requests.services import access_request_create
    from accounts.models import AccessLevel, UserKind
    from accounts.services.access import access_levels_set, scope_add
    from accounts.tests.factories import (
        OrganizationFactory,
        ProviderIdentifierFactory,
        UserFactory,
        npi_with_check_digit,
    )
    from authorizations import services as authorization_services
    from authorizations.models import AuthorizationService, Category, PlaceOfService, RequestType, Urgency
    from claims.tests.factories import CoverageFactory, MemberFactory
    from devdata.management.commands.seed_demo import demo_totp_key

    tag = secrets.token_hex(4)
    hasher = PBKDF2PasswordHasher()
    password = hasher.encode(DEMO_PASSWORD, hasher.salt())

    def user(email, kind=UserKind.PROVIDER):
        person = UserFactory(email=email, full_name=persona_name(email), kind=kind)
        type(person).objects.filter(pk=person.pk).update(password=password)
        TOTPDevice.objects.create(user=person, name="Drill", key=demo_totp_key(), confirmed=True, step=30, digits=6)
        return person

    # Random TINs and NPIs: the factories' sequences start again in every run of the drill.
    def tin():
        return f"7{secrets.randbelow(10**8):08d}"

    def npi_value():
        return npi_with_check_digit(f"4{secrets.randbelow(10**8):08d}")

    org = OrganizationFactory(name=f"Drill Clinic {tag}", tin=tin())
    npi = ProviderIdentifierFactory(organization=org, value=npi_value(), display_name="Drill Provider")
    other_org = OrganizationFactory(name=f"Drill Hospital {tag}", tin=tin())
    other_npi = ProviderIdentifierFactory(organization=other_org, value=npi_value())
    provider = user(f"provider-{tag}@drill.test")
    levels = [AccessLevel.ELIGIBILITY, AccessLevel.AUTHORIZATIONS, AccessLevel.MESSAGE_BOX]
    access_levels_set(actor=None, user=provider, organization=org, levels=levels)
    scope_add(actor=None, user=provider, provider_identifiers=[npi])
    analysts = (
        user(f"analyst1-{tag}@drill.test", UserKind.PAYER_STAFF),
        user(f"analyst2-{tag}@drill.test", UserKind.PAYER_STAFF),
    )
    locked = user(f"locked-{tag}@drill.test")

    today = timezone.localdate()
    member = MemberFactory(member_id=f"D{secrets.randbelow(10**9):09d}", date_of_birth=datetime.date(1970, 5, 17))
    CoverageFactory(
        member=member,
        coverage_start=today - datetime.timedelta(days=365),
        coverage_end=today + datetime.timedelta(days=365),
    )
    if not AuthorizationService.objects.filter(code="72148").exists():
        call_command("load_authorization_services", stdout=open(os.devnull, "w"))  # noqa: SIM115
    day = today + datetime.timedelta(days=7)
    draft = authorization_services.draft_member_set(
        actor=provider, member_id=member.member_id, date_of_birth=member.date_of_birth, planned_service_date=day
    )
    draft = authorization_services.draft_providers_set(
        actor=provider,
        draft=draft,
        data=authorization_services.ProvidersInput(
            requesting_provider=npi,
            servicing_npi=npi.value,
            servicing_name="Drill Provider",
            request_type=RequestType.INITIAL,
            category=Category.OUTPATIENT,
            urgency=Urgency.STANDARD,
            place_of_service=PlaceOfService.OUTPATIENT_HOSPITAL_ON,
        ),
    )
    draft = authorization_services.draft_diagnoses_set(actor=provider, draft=draft, codes=["M54.50"])
    draft = authorization_services.draft_lines_set(
        actor=provider,
        draft=draft,
        lines=[
            authorization_services.LineInput(
                code="72148", units=1, date_from=day, date_to=day + datetime.timedelta(days=30)
            )
        ],
    )
    request = access_request_create(requester=provider, items=[("npi", other_npi.value)])
    return Personas(
        provider=provider.email,
        analysts=(analysts[0].email, analysts[1].email),
        locked=locked.email,
        member_id=member.member_id,
        date_of_birth=member.date_of_birth,
        request_pk=request.pk,
        thread_uuid=str(request.thread.uuid),
        item_pk=request.items.get().pk,
        draft_uuid=str(draft.uuid),
    )


# --- the checks -------------------------------------------------------------------------------------------


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class Check:
    name: str
    shows: str
    run: Callable[["Stack", Personas], str]


@dataclass
class CheckResult:
    name: str
    shows: str
    passed: bool
    detail: str
    seconds: float


CHECKS: list[Check] = []


def check(name: str, shows: str):
    """Add the function to CHECKS: it gets the stack and the personas, returns what it measured."""

    def register(function):
        CHECKS.append(Check(name, shows, function))
        return function

    return register


def on(browser: loadgen.Browser, instance: Instance) -> loadgen.Browser:
    browser.port = instance.port
    return browser


def get(instance: Instance, path: str, headers: dict | None = None):
    return loadgen.fetch(LOOPBACK, instance.port, path, "", headers=headers)


@check("Health of each instance", "/healthz of A and B answers 200 with the database, cache and broker up; nginx too")
def check_healthz(stack: Stack, personas: Personas) -> str:
    parts = []
    for instance in stack.web:
        status, _headers, body = get(instance, "/healthz", {"Accept": "application/json"})
        data = json.loads(body)
        expect(status == 200 and data.get("status") == "ok", f"{instance.name}: HTTP {status} {data}")
        expect(all(data.get(part) == "ok" for part in ("database", "cache", "broker")), f"{instance.name}: {data}")
        parts.append(f"{instance.name} 200 (database, cache, broker ok)")
    status, _headers, body = get(stack.lb, "/healthz", {"Accept": "application/json"})
    data = json.loads(body)
    expect(status == 200 and data == {"status": "ok"}, f"nginx: HTTP {status} {data}")
    parts.append("nginx 200, status only (a forwarded caller sees no details)")
    return "; ".join(parts)


@check(
    "Health of each chat process",
    "/healthz of chat A and chat B (daphne, portal.asgi) answers 200 with the database, cache and broker up",
)
def check_chat_healthz(stack: Stack, personas: Personas) -> str:
    parts = []
    for instance in stack.chat:
        status, _headers, body = get(instance, "/healthz", {"Accept": "application/json"})
        data = json.loads(body)
        expect(status == 200 and data.get("status") == "ok", f"{instance.name}: HTTP {status} {data}")
        expect(all(data.get(part) == "ok" for part in ("database", "cache", "broker")), f"{instance.name}: {data}")
        parts.append(f"{instance.name} 200 (database, cache, broker ok)")
    return "; ".join(parts)


@check("Round robin", "nginx sends consecutive requests to A and B in turn")
def check_round_robin(stack: Stack, personas: Personas) -> str:
    upstreams = []
    for _ in range(6):
        status, headers, _body = get(stack.lb, "/healthz")
        expect(status == 200, f"HTTP {status}")
        upstreams.append(headers.get("X-Drill-Upstream", ""))
    names = {f"{LOOPBACK}:{i.port}": i.name for i in stack.web}
    order = [names.get(u, u) for u in upstreams]
    expect(set(order) == {"A", "B"} and all(x != y for x, y in zip(order, order[1:], strict=False)), f"order {order}")
    return "6 requests through nginx went to " + " ".join(order)


def _signed_in_on(browser: loadgen.Browser, instance: Instance, name: str, path: str = "/") -> bool:
    """The page answers 200 with the person's name on it (no redirect to /login/ or /mfa/)."""
    status, _headers, html = on(browser, instance).request("GET", path)
    return status == 200 and name in html


@check(
    "Session crosses instances", "signed in through A (password + TOTP), the same cookies work on B and through nginx"
)
def check_session(stack: Stack, personas: Personas) -> str:
    started = time.monotonic()
    provider = loadgen.login(LOOPBACK, stack.a.port, personas.provider, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    personas.browsers[personas.provider] = provider
    seen = {}
    for instance in [stack.a, stack.b, stack.lb, stack.lb]:
        seen.setdefault(instance.name, []).append(
            _signed_in_on(provider, instance, f"Signed in as {personas.provider}")
        )
    expect(all(all(v) for v in seen.values()), f"signed-in page per instance: {seen}")
    # The analysts: one signs in through B, one through nginx.
    for email, instance in zip(personas.analysts, [stack.b, stack.lb], strict=True):
        browser = loadgen.login(LOOPBACK, instance.port, email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
        personas.browsers[email] = browser
        other = stack.a if instance is stack.b else stack.b
        expect(
            _signed_in_on(browser, other, f"Signed in as {email}", "/control-panel/"),
            f"{email} signed in on {instance.name}, not on {other.name}",
        )
    return (
        f"provider signed in on A: / answered 200 signed in on A, B and twice through nginx; analysts signed in "
        f"on B and through nginx work on the other instance ({time.monotonic() - started:.1f} s with the "
        "three TOTP sign-ins)"
    )


@check(
    "Eligibility throttle counts across instances",
    f"{ELIGIBILITY_PER_MINUTE} lookups a minute in all, alternating A and B; the next is refused by both",
)
def check_eligibility_throttle(stack: Stack, personas: Personas) -> str:
    browser = personas.browsers[personas.provider]
    _status, _headers, html = on(browser, stack.a).request("GET", "/eligibility/")
    token = loadgen.Browser.csrf_token(html)
    form = {
        "csrfmiddlewaretoken": token,
        "member_id": personas.member_id,
        "date_of_birth": personas.date_of_birth.isoformat(),
        "date_of_service": datetime.date.today().isoformat(),
    }
    statuses = []
    for index in range(ELIGIBILITY_PER_MINUTE + 2):
        instance = stack.web[index % 2]
        status, _headers, html = on(browser, instance).request("POST", "/eligibility/", form)
        statuses.append((instance.name, status))
    answered = [s for s in statuses[:ELIGIBILITY_PER_MINUTE] if s[1] == 200]
    refused = statuses[ELIGIBILITY_PER_MINUTE:]
    expect(len(answered) == ELIGIBILITY_PER_MINUTE, f"statuses {statuses}")
    expect([s for _, s in refused] == [429, 429] and {n for n, _ in refused} == {"A", "B"}, f"statuses {statuses}")
    per_instance = ELIGIBILITY_PER_MINUTE // 2
    return (
        f"lookups 1-{ELIGIBILITY_PER_MINUTE} answered 200 ({per_instance} by A, {per_instance} by B); "
        f"lookup {ELIGIBILITY_PER_MINUTE + 1} refused 429 by A, {ELIGIBILITY_PER_MINUTE + 2} by B "
        f"(each had seen only {per_instance})"
    )


@check(
    "Login lockout counts across instances",
    f"{LOGIN_FAILURES_BEFORE_LOCK} wrong passwords alternating A and B lock the account on both (django-axes)",
)
def check_lockout(stack: Stack, personas: Personas) -> str:
    statuses = []
    for index in range(LOGIN_FAILURES_BEFORE_LOCK):
        instance = stack.web[index % 2]
        browser = loadgen.Browser(LOOPBACK, instance.port)
        _status, _headers, html = browser.request("GET", "/login/")
        form = {
            "csrfmiddlewaretoken": browser.csrf_token(html),
            "username": personas.locked,
            "password": "wrong-password-1",
        }
        status, _headers, _html = browser.request("POST", "/login/", form)
        statuses.append((instance.name, status))
    expect(all(s != 302 for _, s in statuses), f"a wrong password signed in: {statuses}")
    expect(statuses[-1][1] == 429 and all(s == 200 for _, s in statuses[:-1]), f"failures {statuses}")
    right = []
    for instance in stack.web:
        browser = loadgen.Browser(LOOPBACK, instance.port)
        _status, _headers, html = browser.request("GET", "/login/")
        form = {"csrfmiddlewaretoken": browser.csrf_token(html), "username": personas.locked, "password": DEMO_PASSWORD}
        status, headers, _html = browser.request("POST", "/login/", form)
        right.append((instance.name, status, headers.get("Location", "")))
    expect(all(status == 429 and "/mfa/" not in location for _, status, location in right), f"right password: {right}")
    return (
        f"failures 1-{LOGIN_FAILURES_BEFORE_LOCK - 1} answered 200 (A, B, A), failure {LOGIN_FAILURES_BEFORE_LOCK} "
        f"(B) locked: 429; then the right password refused 429 by A and by B"
    )


@check(
    "One decision of one request",
    "two analysts decide the same Add Facility request at the same moment, one through A, one through B",
)
def check_decision_once(stack: Stack, personas: Personas) -> str:
    from access_requests.models import AccessRequest, RequestStatus
    from audit.models import AuditAction, AuditEvent
    from mailbox.models import Message

    thread_path = f"/control-panel/mailbox/{personas.thread_uuid}/"
    analysts = [personas.browsers[email] for email in personas.analysts]
    forms = []
    for browser, instance in zip(analysts, stack.web, strict=True):
        status, _headers, html = on(browser, instance).request("GET", thread_path)
        expect(status == 200, f"thread page on {instance.name}: HTTP {status}")
        forms.append(
            {
                "csrfmiddlewaretoken": loadgen.Browser.csrf_token(html),
                f"decision_{personas.item_pk}": "deny",
                f"reason_{personas.item_pk}": "Not a provider of this practice.",
                "reply_mode": "suggested",
                "reply": "",
            }
        )
    barrier = threading.Barrier(2, timeout=REQUEST_TIMEOUT)
    answers: list = [None, None]

    def decide(index: int) -> None:
        barrier.wait()
        answers[index] = analysts[index].request("POST", thread_path + "decide/", forms[index])

    threads = [threading.Thread(target=decide, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 5)
    expect(all(a is not None and a[0] == 302 for a in answers), f"decision answers {[a and a[0] for a in answers]}")
    notices = []
    for browser in analysts:
        _status, _headers, html = browser.request("GET", thread_path)
        notices.append("already decided" in html)
    request = AccessRequest.objects.get(pk=personas.request_pk)
    decided_events = AuditEvent.objects.filter(
        action=AuditAction.REQUEST_DECIDED, target_type="accessrequest", target_id=str(request.uuid)
    )
    replies = Message.objects.filter(thread__uuid=personas.thread_uuid, from_payer=True, sender__isnull=False).count()
    expect(request.status == RequestStatus.DENIED, f"request status {request.status}")
    expect(sorted(notices) == [False, True], f"'already decided' shown to {notices}")
    expect(replies == 1, f"{replies} replies sent to the provider")
    expect(decided_events.count() == 1, f"{decided_events.count()} decision events in the audit trail")
    winner = "A" if not notices[0] else "B"
    return (
        f"both POSTs answered 302; the one through {winner} applied (request denied, 1 reply, 1 audit event); "
        f"the other analyst was told it was already decided"
    )


@check("Attachments on shared storage", "a PDF uploaded through A is downloaded, identical, through B and nginx")
def check_attachments(stack: Stack, personas: Personas) -> str:
    from authorizations.models import Attachment

    browser = personas.browsers[personas.provider]
    step = f"/authorizations/drafts/{personas.draft_uuid}/attachments/"
    status, _headers, html = on(browser, stack.a).request("GET", step)
    expect(status == 200, f"attachments step on A: HTTP {status}")
    form = {"csrfmiddlewaretoken": loadgen.Browser.csrf_token(html), "action": "upload"}
    status, _headers, _html = on(browser, stack.a).request(
        "POST", step, form, files={"files": ("drill-notes.pdf", "application/pdf", PDF)}
    )
    expect(status == 302, f"upload through A: HTTP {status}")
    attachment = Attachment.objects.filter(request__uuid=personas.draft_uuid).order_by("-id").first()
    expect(attachment is not None, "no attachment saved")
    expect(
        (stack.media_root / attachment.storage_name).exists(),
        f"{attachment.storage_name} is not in the shared MEDIA_ROOT",
    )
    path = f"/authorizations/{personas.draft_uuid}/attachments/{attachment.uuid}/"
    for instance in (stack.b, stack.lb, stack.lb):
        status, headers, _ = loadgen.fetch(LOOPBACK, instance.port, path, browser.cookie_header)
        expect(status == 200, f"download through {instance.name}: HTTP {status}")
    # The body itself, read raw (Browser.request decodes text).
    _status, _headers, body = loadgen.fetch(LOOPBACK, stack.b.port, path, browser.cookie_header)
    expect(body == PDF, f"B served {len(body)} bytes, not the {len(PDF)} uploaded")
    return f"{len(PDF):,} bytes uploaded through A, served byte for byte by B and twice through nginx (200)"


# --- the live chat's sockets ------------------------------------------------------------------------------


def chat_socket(instance: Instance, path: str, browser: loadgen.Browser, stack: Stack) -> websocket.WebSocket:
    """A socket as a portal page opens it: its session cookie, and the Origin of the portal's pages
    (nginx's address; AllowedHostsOriginValidator accepts a host of ALLOWED_HOSTS)."""
    try:
        return websocket.create_connection(
            f"ws://{LOOPBACK}:{instance.port}{path}",
            origin=f"http://{LOOPBACK}:{stack.lb.port}",
            cookie=browser.cookie_header,
            timeout=REQUEST_TIMEOUT,
        )
    except (OSError, websocket.WebSocketException) as error:
        raise CheckFailed(f"{path} on {instance.name} refused: {type(error).__name__}: {error}") from error


def chat_frame(sock: websocket.WebSocket, what: str, match: Callable[[dict], bool]) -> dict:
    """The first frame ``match`` accepts, within REQUEST_TIMEOUT; an error frame or a close fails at once."""
    deadline = time.monotonic() + REQUEST_TIMEOUT
    seen = []
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            opcode, data = sock.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            break
        except websocket.WebSocketConnectionClosedException as error:
            raise CheckFailed(f"{what}: the socket was dropped (frames before: {seen})") from error
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            raise CheckFailed(f"{what}: the server closed the socket, code {code} (frames before: {seen})")
        if opcode != websocket.ABNF.OPCODE_TEXT:
            continue  # pings and pongs
        frame = json.loads(data)
        if match(frame):
            return frame
        if frame.get("type") == "error":
            raise CheckFailed(f"{what}: error frame {frame.get('code')}: {frame.get('message')}")
        seen.append(frame.get("type"))
    raise CheckFailed(f"{what}: nothing within {REQUEST_TIMEOUT:g} s (frames seen: {seen})")


def of_type(kind: str, conversation: str | None = None, **fields) -> Callable[[dict], bool]:
    def match(frame: dict) -> bool:
        return (
            frame.get("type") == kind
            and (conversation is None or frame.get("conversation") == conversation)
            and all(frame.get(key) == value for key, value in fields.items())
        )

    return match


def chat_send(sock: websocket.WebSocket, **frame) -> float:
    try:
        sock.send(json.dumps(frame))
    except (OSError, websocket.WebSocketException) as error:
        raise CheckFailed(f"sending a {frame['type']!r} frame: the socket was dropped ({error})") from error
    return time.monotonic()


def ms_since(started: float) -> str:
    return f"{(time.monotonic() - started) * 1000:.0f} ms"


@check(
    "Chat sockets through nginx",
    "two sockets opened in a row through nginx's /ws/ are upgraded (101) and reach chat A and chat B in turn",
)
def check_chat_through_nginx(stack: Stack, personas: Personas) -> str:
    browser = personas.browsers[personas.provider]
    names = {f"{LOOPBACK}:{i.port}": i.name for i in stack.chat}
    reached = []
    for _ in range(2):
        sock = chat_socket(stack.lb, "/ws/chat/", browser, stack)
        try:
            expect(sock.getstatus() == 101, f"handshake through nginx: HTTP {sock.getstatus()}")
            upstream = (sock.getheaders() or {}).get("x-drill-upstream", "")
            state = chat_frame(
                sock, f"state frame through nginx from {names.get(upstream, upstream)}", of_type("state")
            )
            expect(state["conversation"] is None, f"the provider already has a conversation: {state}")
            reached.append(names.get(upstream, upstream))
        finally:
            sock.close()
    expect(sorted(reached) == ["chat A", "chat B"], f"the sockets reached {reached}")
    return f"both upgraded (101), reached {' then '.join(reached)}, each sent the provider's state frame"


@check(
    "Chat crosses instances",
    f"a provider's socket on chat A and an analyst's on chat B talk through the Redis channel layer, also after "
    f"{CHAT_PAUSE_SECONDS} s idle",
)
def check_chat(stack: Stack, personas: Personas) -> str:
    from chat.models import Conversation, ConversationStatus

    analyst = personas.analysts[0]
    tag = secrets.token_hex(3)
    asked, follow_up, answer = (
        f"Drill {tag}: is prior authorization needed for 72148?",
        f"Drill {tag}: the member is {personas.member_id}.",
        f"Drill {tag}: yes, for an outpatient MRI.",
    )
    staff = chat_socket(stack.chat_b, "/ws/chat/staff/", personas.browsers[analyst], stack)
    provider = None
    try:
        # The analyst's page on B: its queue, and its heartbeat in the shared cache (presence).
        chat_frame(staff, "the analyst's queue on chat B", of_type("queue"))
        provider = chat_socket(stack.chat_a, "/ws/chat/", personas.browsers[personas.provider], stack)
        state = chat_frame(provider, "the provider's state on chat A", of_type("state"))
        expect(state["online"] is True, f"chat A does not see the analyst on chat B online: {state}")

        started = chat_send(provider, type="message", body=asked)
        conversation = chat_frame(provider, "the provider's new conversation", of_type("conversation"))["conversation"]
        chat_frame(
            staff,
            "the conversation waiting on chat B",
            lambda f: f.get("type") == "queue" and any(w["conversation"] == conversation for w in f["waiting"]),
        )
        queued = ms_since(started)

        started = chat_send(staff, type="take", conversation=conversation)
        taken = chat_frame(staff, "the taken conversation on chat B", of_type("conversation", conversation))
        expect([line["body"] for line in taken["lines"]] == [asked], f"lines on chat B: {taken['lines']}")
        chat_frame(provider, "'taken' on chat A", of_type("taken", conversation, staff=persona_name(analyst)))
        told = ms_since(started)

        # Both sockets idle while the analyst reads: they must still be open, and carry the next lines.
        time.sleep(CHAT_PAUSE_SECONDS)
        started = chat_send(provider, type="message", body=follow_up)
        chat_frame(
            staff, "the provider's line on chat B", of_type("line", conversation, body=follow_up, role="provider")
        )
        line_a_to_b = ms_since(started)

        started = chat_send(staff, type="message", conversation=conversation, body=answer)
        chat_frame(provider, "the analyst's answer on chat A", of_type("line", conversation, body=answer, role="staff"))
        line_b_to_a = ms_since(started)

        chat_send(provider, type="close")
        chat_frame(staff, "'closed' on chat B", of_type("closed", conversation, by="provider"))
    finally:
        staff.close()
        if provider is not None:
            provider.close()

    saved = Conversation.objects.select_related("staff").get(uuid=conversation)
    bodies = list(
        saved.thread.messages.filter(sender__isnull=False).order_by("created_at", "id").values_list("body", flat=True)
    )
    expect(saved.status == ConversationStatus.CLOSED, f"conversation {saved.status}")
    expect(saved.staff is not None and saved.staff.email == analyst, f"answered by {saved.staff}")
    expect(bodies == [asked, follow_up, answer], f"thread lines {bodies}")
    return (
        f"the provider's first line on A queued on B in {queued}; taken on B, A told in {told}; after "
        f"{CHAT_PAUSE_SECONDS} s idle a line A→B in {line_a_to_b}, the answer B→A in {line_b_to_a}; closed on A, "
        "seen on B; 3 lines saved in the thread"
    )


@check("Sign-out crosses instances", "the provider signs out through B; the same cookies are refused by A and nginx")
def check_sign_out(stack: Stack, personas: Personas) -> str:
    browser = personas.browsers[personas.provider]
    old_cookies = browser.cookie_header
    _status, _headers, html = on(browser, stack.b).request("GET", "/")
    status, _headers, _html = on(browser, stack.b).request(
        "POST", "/logout/", {"csrfmiddlewaretoken": loadgen.Browser.csrf_token(html)}
    )
    expect(status == 302, f"sign-out on B: HTTP {status}")
    answers = []
    for instance in (stack.a, stack.lb, stack.lb):
        status, headers, _body = loadgen.fetch(LOOPBACK, instance.port, "/", old_cookies)
        answers.append((instance.name, status, headers.get("Location", "")))
    expect(all(s == 302 and "/login/" in location for _, s, location in answers), f"after sign-out: {answers}")
    return "signed out through B (302); the old cookies sent to A and twice through nginx: 302 to /login/"


def run_checks(stack: Stack, personas: Personas, checks: list[Check] | None = None) -> list[CheckResult]:
    results = []
    for item in checks or CHECKS:
        started = time.monotonic()
        try:
            detail, passed = item.run(stack, personas), True
        except Exception as error:  # a failed check is reported; the next ones still run
            detail, passed = f"{type(error).__name__}: {error}", False
        results.append(CheckResult(item.name, item.shows, passed, detail, time.monotonic() - started))
    return results


def run_drill(*, database: str, base_port: int | None = None, workers: int = WORKERS) -> tuple[list[CheckResult], dict]:
    """Personas in the database Django is set up on (the same as ``database``), the stack, the checks."""
    started = time.monotonic()
    personas = personas_create()
    personas_seconds = time.monotonic() - started
    with (
        tempfile.TemporaryDirectory(prefix="two-instances-") as directory,
        Stack(database=database, directory=Path(directory), base_port=base_port, workers=workers) as stack,
    ):
        try:
            stack.start()
        except Exception:
            print(stack.logs(), file=sys.stderr)
            raise
        up = time.monotonic() - started
        results = run_checks(stack, personas)
        if not all(r.passed for r in results):
            print(stack.logs(), file=sys.stderr)
    figures = {
        "personas_seconds": personas_seconds,
        "start_seconds": up - personas_seconds,
        "checks_seconds": sum(r.seconds for r in results),
        "total_seconds": time.monotonic() - started,
        "workers": workers,
    }
    return results, figures


def versions() -> str:
    def first_line(command):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else "?"

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        database = f"{connection.vendor} {cursor.fetchone()[0]}"
    nginx = first_line([nginx_binary() or "nginx", "-v"]).replace("nginx version: ", "")
    redis = re.sub(r".*v=(\S+).*", r"redis \1", first_line(["redis-server", "--version"]))
    return f"{nginx}, {redis}, {database}"


def write_report(results: list[CheckResult], figures: dict, path: Path = REPORT) -> None:
    lines = [
        "# Two web instances behind nginx, one PostgreSQL, one Redis",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `make drill-two-instances` "
        "(bench/two_instances.py). Two gunicorn instances (A, B) with the production settings, "
        f"{figures['workers']} sync workers each, and two chat processes (chat A, chat B: the Procfile's daphne "
        "serving portal.asgi) behind nginx (round robin, /ws/ to the chat processes); one PostgreSQL database, "
        f"one Redis (broker db 0, cache db 1, channel layer db 2), one shared MEDIA_ROOT. {versions()}; "
        f"{machine_note()}.",
        "",
        "| check | what it shows | result | measured | s |",
        "|---|---|---|---|---:|",
    ]
    for r in results:
        lines.append(f"| {r.name} | {r.shows} | {'pass' if r.passed else '**FAIL**'} | {r.detail} | {r.seconds:.1f} |")
    passed = sum(r.passed for r in results)
    lines += [
        "",
        f"{passed} of {len(results)} checks passed in {figures['checks_seconds']:.1f} s. Personas written in "
        f"{figures['personas_seconds']:.1f} s; the stack up (Redis, two gunicorns, two daphnes, nginx, a first "
        "request to each worker and chat process; collectstatic only when static/ changed) in "
        f"{figures['start_seconds']:.1f} s; whole drill {figures['total_seconds']:.1f} s.",
        "",
        f"Drill settings: RATE_ELIGIBILITY_MINUTE={ELIGIBILITY_PER_MINUTE}/m and LOGIN_FAILURES_BEFORE_LOCK="
        f"{LOGIN_FAILURES_BEFORE_LOCK} (low, so a few requests cross them); UPLOAD_STORAGE=local on a shared "
        "directory (production: UPLOAD_STORAGE=s3, django-storages).",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def ensure_database(name: str) -> None:
    with contextlib.closing(admin_connection()) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--db", default=DEFAULT_DB, help=f"PostgreSQL database (default {DEFAULT_DB}; created and migrated)"
    )
    parser.add_argument(
        "--base-port", type=int, help="nginx, A, B, Redis, chat A and chat B on this port and the next five"
    )
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"gunicorn workers per instance (default {WORKERS})"
    )
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    if "bench" not in args.db or not re.fullmatch(r"[a-z0-9_]+", args.db):
        parser.error("the database name must contain 'bench' and be [a-z0-9_] (the drill writes rows to it)")
    ensure_database(args.db)
    os.environ.update(
        DEBUG="1",
        DATABASE_URL=database_url(args.db),
        DJANGO_SETTINGS_MODULE="portal.settings",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",  # the personas' notices
    )
    from common import django_setup

    django_setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    results, figures = run_drill(database=database_url(args.db), base_port=args.base_port, workers=args.workers)
    write_report(results, figures, args.report)
    for r in results:
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.name}: {r.detail}")
    print(f"Report: {args.report} ({figures['total_seconds']:.1f} s)")
    sys.exit(0 if all(r.passed for r in results) else 1)


if __name__ == "__main__":
    main()
