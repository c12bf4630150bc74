"""A small HTTP load generator for the page benchmark (bench/run.py): threads + http.client, loopback only.

    BENCH_COOKIE='sessionid=...' python bench/loadgen.py --port 8123 --path /claims/ --mode closed \
        --concurrency 6 --duration 10
    BENCH_COOKIE='sessionid=...' python bench/loadgen.py --port 8123 --path /claims/ --mode open --rate 40 --duration 10

closed: ``--concurrency`` threads each send the next request as soon as the last one is answered, for
``--duration`` seconds: the saturated throughput (requests answered in the window / the window).
open: requests start on a fixed schedule of ``--rate`` per second whatever happens to the earlier
ones (up to ``--threads`` in flight), and each latency is measured from its scheduled start, so a
slow server cannot hide its queueing delay by slowing the client down (no coordinated omission).

Prints one JSON object: requests, errors (any status but 200, or a failure), rate, p50/p95/p99/max in
ms, mean response size. Every request has a timeout and the run stops by itself after the duration.

The module also holds the pieces bench/run.py uses to log in through the real /login/ and /mfa/
pages (cookies kept by hand: the production cookies are marked Secure, and this client sends them
over loopback HTTP anyway) and to compute the demo TOTP code.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import struct
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie

from common import LOOPBACK, LOOPBACK_HOSTS

TIMEOUT = 30.0
USER_AGENT = "portal-bench/1.0"


def fetch(
    host: str,
    port: int,
    path: str,
    cookie: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict | None = None,
):
    """One request on a fresh connection (gunicorn's sync workers close it after each response).
    Returns (status, response headers, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        all_headers = {"Host": host, "User-Agent": USER_AGENT, "Accept": "text/html", "Connection": "close"}
        if cookie:
            all_headers["Cookie"] = cookie
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(samples: list[tuple[float, int, int]], errors: int, window: float, mode: str, **extra) -> dict:
    latencies = sorted(latency * 1000 for latency, _status, _size in samples)
    sizes = [size for _latency, _status, size in samples]
    return {
        "mode": mode,
        "requests": len(samples),
        "errors": errors,
        "window_s": round(window, 3),
        "rps": round(len(samples) / window, 2) if window else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else float("nan"),
        "mean_bytes": round(sum(sizes) / len(sizes)) if sizes else 0,
        **extra,
    }


def closed_loop(host, port, path, cookie, *, concurrency: int, duration: float) -> dict:
    samples, lock = [], threading.Lock()
    errors = [0]
    start = time.perf_counter()
    stop_at = start + duration

    def worker():
        while True:
            begun = time.perf_counter()
            if begun >= stop_at:
                return
            try:
                status, _headers, data = fetch(host, port, path, cookie)
            except (OSError, http.client.HTTPException):
                status, data = 0, b""
            ended = time.perf_counter()
            if ended > stop_at:
                return  # only what finished inside the window counts
            with lock:
                if status == 200:
                    samples.append((ended - begun, status, len(data)))
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + TIMEOUT + 5)
    return summarize(samples, errors[0], duration, "closed", concurrency=concurrency)


def open_loop(host, port, path, cookie, *, rate: float, duration: float, threads: int) -> dict:
    total = max(1, int(rate * duration))
    samples, lock = [], threading.Lock()
    errors = [0]
    next_index = [0]
    late = [0]
    start = time.perf_counter() + 0.05

    def worker():
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= total:
                return
            scheduled = start + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.001:
                with lock:
                    late[0] += 1  # every thread was busy: the client, or the server, fell behind
            try:
                status, _headers, data = fetch(host, port, path, cookie)
            except (OSError, http.client.HTTPException):
                status, data = 0, b""
            ended = time.perf_counter()
            with lock:
                if status == 200:
                    samples.append((ended - scheduled, status, len(data)))
                else:
                    errors[0] += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=duration + TIMEOUT + 5)
    window = time.perf_counter() - start
    return summarize(samples, errors[0], window, "open", target_rps=rate, started_late=late[0])


# --- logging in through the real pages -----------------------------------------------------------------


def totp(secret_b32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP (SHA-1), as django-otp's TOTPDevice computes it with t0 = 0."""
    key = base64.b32decode(secret_b32)
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def multipart(form: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type, for an upload."""
    boundary = "----portal-bench-" + base64.b32encode(os.urandom(10)).decode().lower()
    parts = []
    for name, value in form.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content_type, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """Cookies and CSRF tokens kept by hand over plain http.client. ``port`` may be changed to send
    the same cookies to another instance."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None, files: dict | None = None):
        """``form`` is sent url-encoded, or with ``files`` ({field: (filename, content type, bytes)})
        as multipart/form-data."""
        if files:
            body, content_type = multipart(form or {}, files)
            headers = {"Content-Type": content_type}
        else:
            body = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        status, response_headers, data = fetch(
            self.host, self.port, path, self.cookie_header, method=method, body=body, headers=headers
        )
        for raw in response_headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return status, response_headers, data.decode("utf-8", "replace")

    @staticmethod
    def csrf_token(html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)


def login(host: str, port: int, email: str, password: str, totp_secret: str, *, attempts: int = 3) -> Browser:
    """Sign in through /login/ and /mfa/ like a person; returns the browser holding the session cookie.
    A TOTP code works once per 30-second step, so a refused code is retried on the next step."""
    browser = Browser(host, port)
    _status, _headers, html = browser.request("GET", "/login/")
    status, headers, _html = browser.request(
        "POST",
        "/login/",
        {"csrfmiddlewaretoken": browser.csrf_token(html), "username": email, "password": password, "next": "/"},
    )
    if status != 302 or "/mfa/" not in headers.get("Location", ""):
        raise RuntimeError(f"login of {email} failed: HTTP {status}")
    for attempt in range(attempts):
        _status, _headers, html = browser.request("GET", "/mfa/?next=/")
        status, headers, _html = browser.request(
            "POST", "/mfa/", {"csrfmiddlewaretoken": browser.csrf_token(html), "token": totp(totp_secret), "next": "/"}
        )
        if status == 302:
            return browser
        if attempt < attempts - 1:
            time.sleep(30 - time.time() % 30 + 0.5)  # the next time step
    raise RuntimeError(f"second factor of {email} refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--mode", choices=["closed", "open"], required=True)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("--concurrency", type=int, default=6, help="closed loop: requests in flight (default 6)")
    parser.add_argument("--rate", type=float, default=10.0, help="open loop: requests per second")
    parser.add_argument("--threads", type=int, default=32, help="open loop: most requests in flight (default 32)")
    args = parser.parse_args()
    if args.host not in LOOPBACK_HOSTS:
        sys.exit("loopback only")
    cookie = os.environ.get("BENCH_COOKIE", "")
    if args.mode == "closed":
        result = closed_loop(
            args.host, args.port, args.path, cookie, concurrency=args.concurrency, duration=args.duration
        )
    else:
        result = open_loop(
            args.host, args.port, args.path, cookie, rate=args.rate, duration=args.duration, threads=args.threads
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
