"""Render cost: six signed-in pages of the demo, each timed beside /healthz on one gunicorn server.

    python bench/bench_pages.py                               # SQLite in a temp dir
    DATABASE_URL=postgres://... python bench/bench_pages.py   # an EMPTY PostgreSQL database

Builds the Riverside demo (`coproduce demo --no-serve`) into a throwaway var dir (and the
database DATABASE_URL names, if any), starts `coproduce serve` (collectstatic, then gunicorn with
DEBUG off) on a free loopback port with --workers 1, signs each demo person in through the sign-in
form and keeps their session cookie. Then, from this process, for each page: --warmup requests of
the page and of /healthz, then --runs rounds of one request of each (which goes first alternates),
a new connection each time (gunicorn's sync workers close it anyway), each timed from connecting
to the last byte read. /healthz is asked without a cookie, as a load balancer asks it: the server's
floor (a request through every middleware and one `SELECT 1`). The ratio is the page's p50 over
/healthz's p50 measured beside it. Every page must answer 200 with its heading; queries are
counted once per page in this process with Django's test client (the same view, the same data).

The pages and who asks them: listing search (as first opened, and with a search made), home,
statement (Maya, a member); the agency's session list and its dashboard (Priya, agency staff).
Target (issue 11, part 7): listing search (as first opened) p50 at most 3 x /healthz p50.
Prints markdown tables. Run through `make bench`
(scripts/bench.sh, BENCH=pages). docs/benchmarks.md has the figures."""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
PASSWORD = "riverside-demo"  # communities.demo.DEMO_PASSWORD
MEMBER = "member@riverside.example"
STAFF = "staff@riverside.example"
TARGET = 3.0  # listing search p50 / healthz p50


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        type=int,
        default=300,
        help="Timed requests of each page (and as many of /healthz).",
    )
    parser.add_argument(
        "--warmup", type=int, default=30, help="Untimed requests of each page and /healthz first."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Leave the var dir (printed) in place afterwards."
    )
    parser.add_argument(
        "--reuse",
        metavar="VAR_DIR",
        type=Path,
        help="Time the demo already built in this var dir (kept) instead of building one.",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# The client: plain http.client, nothing of Django ------------------------------------------


class Page:
    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, *, cookies=None, body=None, headers=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        sent = {"Connection": "close", **(headers or {})}
        if cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def timed_get(self, path, cookies=None, expect=b"<h1"):
        started = time.perf_counter()
        response, data = self.request("GET", path, cookies=cookies)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200 or expect not in data:
            raise SystemExit(
                f"GET {path} answered {response.status} without {expect!r}: {data[:300]!r}"
            )
        return elapsed, len(data)

    def sign_in(self, login: str) -> dict[str, str]:
        """Through the sign-in form, as a browser does; returns the cookies (session, csrftoken)."""
        cookies: dict[str, str] = {}
        response, data = self.request("GET", "/accounts/login/")
        keep_cookies(response, cookies)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if not token:
            raise SystemExit("The sign-in page has no CSRF token.")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1).decode(), "login": login, "password": PASSWORD}
        )
        response, data = self.request(
            "POST",
            "/accounts/login/",
            cookies=cookies,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        keep_cookies(response, cookies)
        if response.status != 302 or "sessionid" not in cookies:
            raise SystemExit(f"Signing in as {login} answered {response.status}: {data[:300]!r}")
        return cookies


def keep_cookies(response, cookies: dict[str, str]) -> None:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]


def beside_healthz(client: Page, path: str, cookies, runs: int, warmup: int):
    """(page samples, healthz samples, page bytes): warm both up, then alternate."""
    for _ in range(warmup):
        client.timed_get(path, cookies)
        client.timed_get("/healthz", expect=b'"ok"')
    page, health, size = [], [], 0
    for i in range(runs):
        if i % 2 == 0:
            ms, size = client.timed_get(path, cookies)
            page.append(ms)
            health.append(client.timed_get("/healthz", expect=b'"ok"')[0])
        else:
            health.append(client.timed_get("/healthz", expect=b'"ok"')[0])
            ms, size = client.timed_get(path, cookies)
            page.append(ms)
    return page, health, size


# The server -----------------------------------------------------------------------------------


def environment(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        COPRODUCE_VAR_DIR=str(var_dir),
        DEBUG="false",
        COPRODUCE_TESTING="0",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL=env.get("LOG_LEVEL", "ERROR"),
    )
    env.setdefault(
        "SECRET_KEY", "bench-only-" + secrets.token_urlsafe(32)
    )  # PostgreSQL wants one set
    env.pop(
        "COPRODUCE_DEMO", None
    )  # the server as in production: collected static files, no demo shortcuts
    return env


def build_demo(env) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "demo", "--no-serve"],
        cwd=ROOT,
        check=True,
        env={**env, "COPRODUCE_DEMO": "1"},
        stdout=subprocess.DEVNULL,
    )  # as `coproduce demo` runs
    return time.perf_counter() - started


def start_server(env, port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    client = Page(port)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped ({server.returncode}); its log: {log}")
        try:
            if client.request("GET", "/healthz")[0].status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 90 s; its log: {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# In this process: the pages' addresses and query counts ---------------------------------------


def pages_and_queries(env):
    os.environ.update(env, ALLOWED_HOSTS="testserver")
    os.environ.pop("COPRODUCE_DEMO", None)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from coproduce.communities.models import Community, Person
    from coproduce.coproduction.models import AgencyMembership

    riverside = Community.objects.get(slug="riverside")
    staff = Person.objects.get(email=STAFF)
    agency = (
        AgencyMembership.objects.filter(
            person=staff, ended_at__isnull=True, agency__community=riverside
        )
        .select_related("agency")
        .first()
        .agency
    )
    pages = [
        ("listing search", MEMBER, reverse("web:listing_search", args=[riverside.slug])),
        (  # a search made: the form drawn with its values each time (not kept)
            "listing search, searched",
            MEMBER,
            reverse("web:listing_search", args=[riverside.slug]) + "?q=garden&kind=offer",
        ),
        ("home", MEMBER, reverse("web:home")),
        ("statement", MEMBER, reverse("web:statement", args=[riverside.slug])),
        (
            "session list (agency)",
            STAFF,
            reverse("web:agency_sessions", args=[riverside.slug, agency.slug]),
        ),
        (
            "agency dashboard",
            STAFF,
            reverse("web:agency_dashboard", args=[riverside.slug, agency.slug]),
        ),
    ]
    queries = {}
    for name, login, path in pages:
        client = Client()
        client.force_login(Person.objects.get(email=login))
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"{path} answered {status} to the test client")
        queries[name] = len(captured.captured_queries)
    vendor = connection.vendor
    if vendor == "postgresql":
        connection.ensure_connection()
        number = connection.connection.info.server_version
        database = f"PostgreSQL {number // 10000}.{number % 10000}"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    connection.close()
    return pages, queries, database


def main():
    args = parse_args()
    var_dir = args.reuse or Path(tempfile.mkdtemp(prefix="coproduce-bench-pages-"))
    env = environment(var_dir)
    server = None
    try:
        load_before = os.getloadavg()
        build_s = 0.0 if args.reuse else build_demo(env)
        port = free_port()
        server = start_server(
            env, port, var_dir / "gunicorn.log"
        )  # collects the static files first
        pages, queries, database = pages_and_queries(env)
        client = Page(port)
        cookies = {login: client.sign_in(login) for login in {login for _, login, _ in pages}}
        load_start = os.getloadavg()
        results = []
        for name, login, path in pages:
            page, health, size = beside_healthz(
                client, path, cookies[login], args.runs, args.warmup
            )
            results.append((name, login, path, page, health, size))
        load_end = os.getloadavg()
    finally:
        if server is not None:
            stop_server(server)
        if args.keep or args.reuse:
            print(f"Var dir kept: {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)

    report(args, database, build_s, (load_before, load_start, load_end), queries, results)


def report(args, database, build_s, loads, queries, results) -> None:
    import django

    def load(values):
        return " ".join(f"{x:.2f}" for x in values)

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print()
    print(
        f"Database: {database}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Django {django.get_version()}. {when}."
    )
    print(
        f"Demo built in {build_s:.1f} s. gunicorn, 1 sync worker, DEBUG off; {args.warmup} warm-up "
        f"and {args.runs} timed requests of each page and of /healthz beside it, alternating."
    )
    print(
        f"Load average (1, 5, 15 min): {load(loads[0])} before building, {load(loads[1])} when "
        f"timing began, {load(loads[2])} at the end."
    )
    print()
    print(
        "| page | signed in as | queries | KB | p50 ms | p95 ms | /healthz p50 ms "
        "| /healthz p95 ms | ratio (p50) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    verdict = ""
    for name, login, path, page, health, size in results:
        p50, p95 = percentile(page, 50), percentile(page, 95)
        h50, h95 = percentile(health, 50), percentile(health, 95)
        ratio = p50 / h50
        who = login.split("@")[0]
        print(
            f"| {name} (`{path}`) | {who} | {queries[name]} | {size / 1024:.1f} | "
            f"{p50:.2f} | {p95:.2f} | {h50:.2f} | {h95:.2f} | {ratio:.2f} |"
        )
        if name == "listing search":
            passed = "PASS" if ratio <= TARGET else "MISS"
            verdict = (
                f"Listing search: {ratio:.2f} x /healthz at p50 "
                f"(target: at most {TARGET:.0f} x): {passed}"
            )
    print()
    print(verdict)


if __name__ == "__main__":
    main()
