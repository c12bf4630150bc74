"""The people of the load drill (bench/loadtest.py runs it: ``make loadtest``; see bench/README.md).

Two kinds of simulated people, 9 to 1:

- **ProviderUser**, a provider user of the demo TIN: signs in (/login/, then /mfa/ with the code of
  their own TOTP device), lands on the dashboard, then, at a person's pace, opens My Profile, reads
  the Message Box and a thread, sends a message to the plan and reads the thread it opens, opens
  the Claims list and a claim from it, checks a member's eligibility, and submits a prior
  authorization in its six steps (member, providers, diagnoses, services, attachments with a small
  PDF, review and submit), as the browser stories do.
- **AnalystUser**, payer staff: signs in the same way, then works the Control Panel Mailbox (the
  list and a thread) and the authorizations queue (the list and a request's review page).

Sessions: the production cookies are ``Secure`` and the drill talks plain HTTP over loopback, so
a cookie jar would keep them to itself; each person keeps their own cookies by hand (as
bench/loadgen.py does) and sends them with every request. Redirects are followed by hand too, each
hop counted under its own name.

Any 5xx is a server error; a client-side timeout or connection error is a failure; a 429 is
expected only where a throttle refuses by design (Eligibility, message send) and is then counted,
not failed. Every request has a timeout (``--request-timeout``); the run is bounded by locust's
``--run-time`` and by bench/loadtest.py's hard timeout. Loopback only.
"""

import collections
import datetime
import functools
import itertools
import json
import random
import re
import time
import urllib.parse
from http.cookies import SimpleCookie

import gevent
from common import LOOPBACK_HOSTS
from loadgen import totp
from locust import FastHttpUser, events, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
THREAD_LINK = re.compile(r'href="(/messages/[0-9a-f-]{36}/)"')
CLAIM_LINK = re.compile(r'href="/claims/(C[0-9A-Z]+)/"')
CP_THREAD_LINK = re.compile(r'href="(/control-panel/mailbox/[0-9a-f-]{36}/)"')
CP_AUTH_LINK = re.compile(r'href="(/control-panel/authorizations/[0-9a-f-]{36}/)"')
DRAFT_STEP = re.compile(r"^/authorizations/drafts/([0-9a-f-]{36})/([a-z]+)/$")
DETAIL = re.compile(r"^/authorizations/[0-9a-f-]{36}/$")
# A minimal PDF: the attachments step sniffs the type from the content.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% load drill order\n%%EOF\n"
# At most this many of each throttled action per person in a run: well under the per-user limits.
SEND_BUDGET = 2
ELIGIBILITY_BUDGET = 6
SUBMIT_BUDGET = 2
LINE_FIELDS = ("code", "modifiers", "units", "date_from", "date_to")

# What the run saw, written to --summary at the end for bench/loadtest.py.
TALLY = {
    "server_errors": collections.Counter(),
    "timeouts": collections.Counter(),
    "throttled": collections.Counter(),
    "statuses": collections.defaultdict(collections.Counter),
    "totp_waits": 0,
    "sign_ins": 0,
    "accounts_missing": 0,
    "started_users": collections.Counter(),
    "samples": [],
    "spawned_at": None,
}
ACCOUNTS: dict = {}
# When the next page sign-in of the run may start (sign_out_and_in).
SIGN_IN_CLOCK = {"next": 0.0}
POOLS: dict = {}


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--accounts", default="var/loadtest-accounts.json", help="the load accounts (JSON)")
    parser.add_argument("--summary", default="var/loadtest-summary.json", help="where the run's tallies go")
    parser.add_argument("--think-min", type=float, default=5.0, help="shortest pause between pages (s)")
    parser.add_argument("--think-max", type=float, default=15.0, help="longest pause between pages (s)")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="client timeout per request (s)")
    parser.add_argument("--sign-in-rate", type=float, default=0.5, help="page sign-ins per second during the run")


@events.init.add_listener
def _init(environment, **_kwargs):
    options = environment.parsed_options
    host = urllib.parse.urlsplit(environment.host or "").hostname
    if host not in LOOPBACK_HOSTS:
        raise SystemExit("the load drill targets loopback only (--host http://127.0.0.1:PORT)")
    with open(options.accounts) as handle:
        ACCOUNTS.update(json.load(handle))
    POOLS["ProviderUser"] = iter(ACCOUNTS["providers"])
    POOLS["AnalystUser"] = iter(ACCOUNTS["analysts"])
    for user_class in (ProviderUser, AnalystUser):
        user_class.network_timeout = options.request_timeout
        user_class.connection_timeout = options.request_timeout


@events.spawning_complete.add_listener
def _spawned(user_count, **_kwargs):
    TALLY["spawned_at"] = time.time()


@events.request.add_listener
def _request(request_type, name, response_time, response, exception, start_time=None, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    TALLY["statuses"][f"{request_type} {name}"][str(status)] += 1
    TALLY["samples"].append([start_time or time.time(), request_type, name, round(response_time, 2), bool(exception)])


@events.quitting.add_listener
def _write_summary(environment, **_kwargs):
    with open(environment.parsed_options.summary, "w") as handle:
        json.dump(TALLY, handle)


class Person:
    """What both kinds share: their own cookies, signing in, and one request checked and named."""

    kind = ""
    home = ("/", "/ (dashboard)")  # a page with the Sign out button: (path, name)

    def think(self):
        options = self.environment.parsed_options
        return random.uniform(options.think_min, options.think_max)

    def step_pause(self):
        gevent.sleep(random.uniform(1.0, 3.0))

    def on_start(self):
        # No StopUser anywhere: locust would start another person in the stopped one's place
        # while it ramps up. A person without an account idles; one whose sign-in failed (the
        # failure is counted) tries again at their next task.
        self.cookies: dict[str, str] = {}
        self.signed_in, self.signed_in_at = False, 0.0
        self.account = next(POOLS[self.kind], None)
        if self.account is None:
            TALLY["accounts_missing"] += 1
            return
        TALLY["started_users"][self.kind] += 1
        if self.account.get("session"):
            # A session made in the database before the run (bench/loadtest.py): the person is
            # already signed in, as most people are at any moment of a working day.
            self.cookies[ACCOUNTS["session_cookie"]] = self.account["session"]
            self.signed_in = True
            self.land()
        else:
            self.sign_in()

    def ready(self) -> bool:
        """Whether the person can work: has an account and is signed in (trying again if not)."""
        if self.account is None:
            return False
        return self.signed_in or self.sign_in()

    def land(self):
        got = self.call("GET", "/", "/ (dashboard)", expect=(200, 302))
        if got is not None and got[0] == 302:  # payer staff land on the Control Panel
            self.call("GET", got[1], f"{got[1]} (home)")

    def sign_out_and_in(self):
        """Sign out and back in through /login/ and /mfa/ (a session ended by the idle timeout, a
        new working day). The whole run shares one pace, --sign-in-rate a second, and a person
        signs in at most once per TOTP step (their device refuses a code used in its step)."""
        now = time.time()
        if now < SIGN_IN_CLOCK["next"] or now - self.signed_in_at < 31:
            return self.land()
        SIGN_IN_CLOCK["next"] = max(SIGN_IN_CLOCK["next"], now) + 1 / self.environment.parsed_options.sign_in_rate
        page = self.form_page(*self.home)
        if page is not None:
            self.call("POST", "/logout/", "/logout/", form={"csrfmiddlewaretoken": page[0]}, expect=(302,))
        self.cookies.clear()
        self.signed_in = False
        self.sign_in()

    # -- one request --

    def call(self, method, path, name, *, form=None, files=None, expect=(200,), throttle_ok=False, check=None):
        """One request, cookies kept by hand, redirects not followed; returns (status, location, text)
        or None when it failed (the failure is recorded under ``name``)."""
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            boundary = f"----drill{random.getrandbits(64):x}"
            body = _multipart(form or {}, files, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(
            method, path, name=name, data=body, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            status = response.status_code or 0
            self._keep_cookies(response)
            text = response.text or "" if status else ""
            location = (response.headers or {}).get("Location", "") if status else ""
            key = f"{method} {name}"
            if status == 0:
                TALLY["timeouts"][key] += 1
                error = getattr(response, "error", None)
                response.failure(f"client-side timeout or connection error: {type(error).__name__} {error}")
                return None
            if status >= 500:
                TALLY["server_errors"][key] += 1
                response.failure(f"server error HTTP {status}")
                return None
            if status == 429 and throttle_ok:
                TALLY["throttled"][key] += 1
                response.success()
                return status, location, text
            if status not in expect:
                response.failure(f"HTTP {status} (expected {', '.join(map(str, expect))}) {location}".strip())
                return None
            if check is not None and (problem := check(status, location, text)):
                response.failure(problem)
                return None
            response.success()
            return status, location, text

    def _keep_cookies(self, response):
        headers = response.headers
        if not headers:
            return
        for value in headers.getlist("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(value)
            for cookie_name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(cookie_name, None)
                else:
                    self.cookies[cookie_name] = morsel.value

    def form_page(self, path, name):
        """GET a page with a form; its CSRF token, or None."""
        got = self.call("GET", path, name)
        if got is None:
            return None
        match = CSRF.search(got[2])
        if not match:
            return None
        return match.group(1), got[2]

    # -- signing in --

    def sign_in(self) -> bool:
        """/login/ then /mfa/ with the code of the person's own device; whether it worked."""
        page = self.form_page("/login/", "/login/")
        if page is None:
            return False
        token, _html = page
        signed = self.call(
            "POST",
            "/login/",
            "/login/",
            form={
                "csrfmiddlewaretoken": token,
                "username": self.account["email"],
                "password": ACCOUNTS["password"],
                "next": "/",
            },
            expect=(302,),
            check=lambda _s, location, _t: None if "/mfa/" in location else f"sent to {location!r}, not /mfa/",
        )
        if signed is None:
            return False
        for attempt in range(2):
            page = self.form_page("/mfa/?next=/", "/mfa/")
            if page is None:
                return False
            token, _html = page
            code = totp(self.account["totp"])
            got = self.call(
                "POST",
                "/mfa/?next=/",
                "/mfa/",
                form={"csrfmiddlewaretoken": token, "token": code, "next": "/"},
                # 200 is the form again: the code of this step was used already (by an earlier run).
                expect=(302, 200) if attempt == 0 else (302,),
            )
            if got is None:
                return False
            if got[0] == 302:
                break
            TALLY["totp_waits"] += 1
            gevent.sleep(30 - time.time() % 30 + 0.5)
        self.signed_in, self.signed_in_at = True, time.time()
        TALLY["sign_ins"] += 1
        self.land()
        return True


def flow(weight: int):
    """A locust task that runs once the person is ready (signed in)."""

    def decorate(function):
        @functools.wraps(function)
        def run(self):
            if self.ready():
                return function(self)
            return None

        return task(weight)(run)

    return decorate


def _multipart(fields: dict, files: dict, boundary: str) -> bytes:
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    for key, (filename, content, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


_drill_numbers = itertools.count(1)


class ProviderUser(Person, FastHttpUser):
    """A provider user of the demo TIN (Claims, Eligibility, Message Box, Authorizations)."""

    kind = "ProviderUser"
    weight = 9

    def wait_time(self):
        return self.think()

    def on_start(self):
        self.number = next(_drill_numbers)
        self.sent = self.looked_up = self.submitted = 0
        self.threads: list[str] = []
        super().on_start()

    @flow(1)
    def sign_in_again(self):
        self.sign_out_and_in()

    @flow(2)
    def my_profile(self):
        self.call("GET", "/profile/", "/profile/")

    @flow(1)
    def dashboard(self):
        self.call("GET", "/", "/ (dashboard)")

    @flow(3)
    def message_box_read(self):
        got = self.call("GET", "/messages/", "/messages/")
        if got is None:
            return
        links = THREAD_LINK.findall(got[2]) or self.threads
        if links:
            self.step_pause()
            self.call("GET", random.choice(links[:10]), "/messages/[thread]/")

    @flow(1)
    def message_box_send(self):
        if self.sent >= SEND_BUDGET:
            return self.message_box_read()
        page = self.form_page("/messages/new/", "/messages/new/")
        if page is None:
            return
        token, _html = page
        self.step_pause()
        self.sent += 1
        got = self.call(
            "POST",
            "/messages/new/",
            "/messages/new/",
            form={
                "csrfmiddlewaretoken": token,
                "to": "payer",
                "subject": f"Load drill question {self.number}-{self.sent}",
                "body": "Could you confirm the status of the claims we sent last week? Thank you.",
            },
            expect=(302,),
            throttle_ok=True,
            check=lambda _s, location, _t: None if THREAD_LINK.search(f'href="{location}"') else "no thread",
        )
        if got is None or got[0] == 429:
            return
        self.threads.append(got[1])
        self.call("GET", got[1], "/messages/[thread]/")

    @flow(3)
    def claims_list_and_detail(self):
        got = self.call("GET", "/claims/", "/claims/")
        if got is None:
            return
        numbers = CLAIM_LINK.findall(got[2])
        if numbers:
            self.step_pause()
            self.call("GET", f"/claims/{random.choice(numbers)}/", "/claims/[number]/")

    @flow(2)
    def eligibility(self):
        if self.looked_up >= ELIGIBILITY_BUDGET:
            return self.claims_list_and_detail()
        page = self.form_page("/eligibility/", "/eligibility/")
        if page is None:
            return
        token, _html = page
        member = random.choice(ACCOUNTS["members"])
        self.step_pause()
        self.looked_up += 1
        self.call(
            "POST",
            "/eligibility/",
            "/eligibility/",
            form={
                "csrfmiddlewaretoken": token,
                "member_id": member["member_id"],
                "date_of_birth": member["date_of_birth"],
                "date_of_service": "",
            },
            throttle_ok=True,
            check=lambda _s, _l, text: None if "Covered" in text or "covered" in text else "no coverage answer",
        )

    @flow(1)
    def authorization_submit(self):
        """The six steps of a new prior authorization request, as a person fills them in."""
        if self.submitted >= SUBMIT_BUDGET:
            return self.claims_list_and_detail()
        self.submitted += 1
        member = ACCOUNTS["members"][(self.number * 7 + self.submitted) % len(ACCOUNTS["members"])]
        day = datetime.date.today() + datetime.timedelta(days=random.randint(3, 40))
        code = random.choice(ACCOUNTS["codes"])
        page = self.form_page("/authorizations/new/", "/authorizations/new/")
        if page is None:
            return
        self.step_pause()
        step = self._post_step(
            "/authorizations/new/",
            "/authorizations/new/",
            page[0],
            {"member_id": member["member_id"], "date_of_birth": member["date_of_birth"], "planned_service_date": day},
        )
        forms = {
            "providers": {
                "requesting_provider": ACCOUNTS["requesting_provider"],
                "servicing_npi": ACCOUNTS["servicing_npi"],
                "servicing_name": "Springfield General Hospital",
                "request_type": "initial",
                "category": "outpatient",
                "urgency": "standard",
                "place_of_service": "22",
                "admission_date": "",
                "length_of_stay": "",
            },
            "diagnoses": {"code_1": random.choice(ACCOUNTS["diagnoses"])},
            "services": {
                "lines-TOTAL_FORMS": "3",
                "lines-INITIAL_FORMS": "0",
                "lines-MIN_NUM_FORMS": "0",
                "lines-MAX_NUM_FORMS": "12",
                "lines-0-code": code,
                "lines-0-modifiers": "",
                "lines-0-units": "1",
                "lines-0-date_from": day,
                "lines-0-date_to": day,
                **{f"lines-{i}-{field}": "" for i in (1, 2) for field in LINE_FIELDS},
            },
            "attachments": {"action": "continue"},
            "review": {},
        }
        for slug in ("providers", "diagnoses", "services", "attachments", "review"):
            if step is None:
                return
            match = DRAFT_STEP.match(step)
            if not match or match.group(2) != slug:
                self._flow_failure(f"/authorizations/drafts/[id]/{slug}/", f"expected the {slug} step, got {step}")
                return
            name = f"/authorizations/drafts/[id]/{slug}/"
            page = self.form_page(step, name)
            if page is None:
                return
            self.step_pause()
            files = {"files": ("order.pdf", PDF, "application/pdf")} if slug == "attachments" else None
            step = self._post_step(step, name, page[0], forms[slug], files=files)
        if step is not None and DETAIL.match(step):
            self.call("GET", step, "/authorizations/[id]/")
        elif step is not None:
            self._flow_failure("/authorizations/[id]/", f"the submit led to {step}")

    def _post_step(self, path, name, token, form, files=None):
        """POST one step; the next step's path (the redirect), or None. A review refused for a
        duplicate of an open request is confirmed, as a person would after reading the warning."""
        fields = {"csrfmiddlewaretoken": token, **{k: str(v) for k, v in form.items()}}
        got = self.call("POST", path, name, form=fields, files=files, expect=(302, 200))
        if got is None:
            return None
        if got[0] == 302:
            return got[1]
        if "confirm_duplicate" in got[2] and "already covers" in got[2]:
            again = self.call("POST", path, name, form={**fields, "confirm_duplicate": "on"}, expect=(302,))
            return again[1] if again else None
        self._flow_failure(name, "the form came back with errors")
        return None

    def _flow_failure(self, name, message):
        self.environment.events.request.fire(
            request_type="FLOW",
            name=name,
            response_time=0,
            response_length=0,
            exception=RuntimeError(message),
            context={},
            start_time=time.time(),
        )


class AnalystUser(Person, FastHttpUser):
    """Payer staff: the Control Panel Mailbox and the authorizations queue."""

    kind = "AnalystUser"
    weight = 1
    home = ("/control-panel/", "/control-panel/ (home)")

    def wait_time(self):
        return self.think()

    @flow(1)
    def sign_in_again(self):
        self.sign_out_and_in()

    @flow(3)
    def mailbox(self):
        got = self.call("GET", "/control-panel/mailbox/", "/control-panel/mailbox/")
        if got is None:
            return
        links = CP_THREAD_LINK.findall(got[2])
        if links:
            self.step_pause()
            self.call("GET", random.choice(links[:25]), "/control-panel/mailbox/[thread]/")

    @flow(3)
    def authorizations_queue(self):
        got = self.call("GET", "/control-panel/authorizations/", "/control-panel/authorizations/")
        if got is None:
            return
        links = CP_AUTH_LINK.findall(got[2])
        if links:
            self.step_pause()
            self.call("GET", random.choice(links[:25]), "/control-panel/authorizations/[id]/")
