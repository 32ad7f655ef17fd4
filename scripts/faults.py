#!/usr/bin/env python3
"""`make faults`: what only a real server shows. Each part starts `cosell serve` processes of its own.

  two_processes  two servers on one PostgreSQL database: racing transitions, racing PATCHes with one
                 If-Match, and one Idempotency-Key sent to both; one winner each time, one audit event;
                 failed passwords and enrolments counted by either bind both
  crash          kill -9 during a write load on SQLite, restart, then check that every answered write
                 is there, every state is one its machine allows, and every change has one audit event
  soak           several writers and readers on SQLite for FAULTS_SOAK_SECONDS (default 60): no 5xx
                 but 503 with Retry-After
  limits         a 10 MB body, 10,000-deep JSON, a 100,000-element array, limit=1000000, a header
                 flood: never a 5xx, and /healthz still answers at once
  webhooks       two servers on one PostgreSQL database deliver every event to a receiver exactly once,
                 each signature verified by the Python `standardwebhooks` package
  webhook_crash  kill -9 of the delivering server mid-stream: after a restart every event arrives
                 (perhaps twice, never not at all)

Usage: scripts/faults.py [part ...] (all by default); FAULTS_POSTGRES_URL enables two_processes
and webhooks.
"""
import concurrent.futures as futures
import http.server as http_server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "cosell")
SECRET = "faults-secret-that-is-at-least-32-bytes-long"
PASSWORD = "faults of the staple horse battery"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"  FAIL {message}", flush=True)


def http(base, method, path, token=None, body=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            text = res.read()
            return res.status, dict(res.headers), json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, dict(e.headers), json.loads(text) if text else None
        except ValueError:
            return e.code, dict(e.headers), None


class Server:
    def __init__(self, database_url, port, log, **settings):
        self.base = f"http://127.0.0.1:{port}"
        self.env = dict(os.environ, COSELL_DATABASE_URL=database_url, COSELL_JWT_SECRET=SECRET, COSELL_LOG="warn",
                        COSELL_BIND=f"127.0.0.1:{port}", COSELL_WORKERS="2", COSELL_WEBHOOK_ALLOW_HTTP="true",
                        COSELL_WEBHOOK_ALLOW_PRIVATE="true", COSELL_WEBHOOK_TIMEOUT_MS="2000",
                        COSELL_WEBHOOK_RETRY_SCHEDULE="1,1,1,1,1", **settings)
        self.log = log
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([SERVER, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http(self.base, "GET", "/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        sys.exit("the server did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def admin(self, *args):
        subprocess.run([SERVER, "admin", *args], env=self.env, check=True, capture_output=True)


def enrol(base):
    mpn = str(uuid.uuid4().int % 9_000_000_000 + 1_000_000_000)
    email = f"owner-{mpn}@faults.example"
    status, _, body = http(base, "POST", "/v1/accounts", body={
        "organization": {"name": "Faults", "mpn_id": mpn, "country": "US"},
        "owner": {"email": email, "display_name": "Owner", "password": PASSWORD}})
    assert status == 201, body
    return mpn, login(base, email)


def enrol_status(base):
    mpn = str(uuid.uuid4().int % 9_000_000_000 + 1_000_000_000)
    return http(base, "POST", "/v1/accounts", body={
        "organization": {"name": "Faults", "mpn_id": mpn, "country": "US"},
        "owner": {"email": f"owner-{mpn}@faults.example", "display_name": "Owner", "password": PASSWORD}})[0]


def login(base, email):
    status, _, body = http(base, "POST", "/v1/auth/token", body={"email": email, "password": PASSWORD})
    assert status == 200, body
    return body["access_token"]


SECTIONS = {
    "setup": {"listing_option": "contact_me"},
    "properties": {"categories": ["analytics"], "standard_contract": True},
    "listing": {"summary": "S", "description": "D", "privacy_policy_url": "https://x.example/p",
                "support_contact": {"name": "S", "email": "s@x.example", "url": "https://x.example/s"},
                "engineering_contact": {"name": "E", "email": "e@x.example"}},
}


def offers(base, token, mpn, count, complete=False):
    status, _, profile = http(base, "POST", "/v1/publisher-profiles", token, {
        "publisher_id": f"p{uuid.uuid4().hex[:12]}", "display_name": "P", "mpn_id": mpn, "contact_name": "C",
        "contact_email": "c@x.example", "website": "https://x.example"})
    assert status == 201, profile
    ids = []
    for i in range(count):
        status, _, offer = http(base, "POST", "/v1/offers", token, {
            "publisher_profile_id": profile["id"], "offer_alias": f"o{i}", "name": f"Offer {i}", "offer_type": "saas"})
        assert status == 201, offer
        if complete:
            http(base, "PATCH", f"/v1/offers/{offer['id']}", token, SECTIONS)
        ids.append(offer["id"])
    return ids


def history(base, token, offer_id):
    actions, cursor = [], None
    while True:
        path = f"/v1/offers/{offer_id}/history?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, _, page = http(base, "GET", path, token)
        assert status == 200, page
        actions += [e["action"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return actions


def two_processes(work):
    url = os.environ.get("FAULTS_POSTGRES_URL")
    if not url:
        print("two_processes: FAULTS_POSTGRES_URL is not set, skipped")
        return
    schema = f"faults_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", url, "-qc", f"CREATE SCHEMA {schema}"], check=True)
    sep = "&" if "?" in url else "?"
    database = f"{url}{sep}options=-csearch_path%3D{schema}"
    log = open(os.path.join(work, "two.log"), "w")
    # Three enrolments per address and hour, to see the budget shared by both processes.
    a = Server(database, 18381, log, COSELL_LIMIT_ENROLMENTS_PER_HOUR="3").start()
    b = Server(database, 18382, log, COSELL_LIMIT_ENROLMENTS_PER_HOUR="3").start()
    try:
        mpn, token = enrol(a.base)
        a.admin("create-staff", "--email", "rev@faults.example", "--display-name", "R", "--role", "reviewer",
                "--password", PASSWORD)
        reviewer = login(b.base, "rev@faults.example")
        [offer] = offers(a.base, token, mpn, 1, complete=True)
        bases = [a.base, b.base]
        with futures.ThreadPoolExecutor(20) as pool:
            published = list(pool.map(lambda i: http(bases[i % 2], "POST", f"/v1/offers/{offer}/publish", token)[0], range(20)))
        check(published.count(201) == 1 and published.count(409) == 19, f"two processes, publish: {published}")
        status, _, subs = http(a.base, "GET", f"/v1/offers/{offer}/submissions", token)
        http(b.base, "POST", f"/v1/submissions/{subs['items'][0]['id']}/certify", reviewer, {"result": "passed"})
        with futures.ThreadPoolExecutor(20) as pool:
            lived = list(pool.map(lambda i: http(bases[i % 2], "POST", f"/v1/offers/{offer}/go-live", token)[0], range(20)))
        check(lived.count(200) == 1 and lived.count(409) == 19, f"two processes, go-live: {lived}")
        actions = history(a.base, token, offer)
        check(actions.count("offer.went_live") == 1 and actions.count("offer.published") == 1, f"two processes, audit: {actions}")
        _, headers, _ = http(a.base, "GET", f"/v1/offers/{offer}", token)
        etag = headers["etag"]
        with futures.ThreadPoolExecutor(20) as pool:
            patched = list(pool.map(lambda i: http(bases[i % 2], "PATCH", f"/v1/offers/{offer}", token, {"name": f"N{i}"},
                                                   headers={"If-Match": etag})[0], range(20)))
        check(patched.count(200) == 1 and patched.count(412) == 19, f"two processes, PATCH with one If-Match: {patched}")
        key = {"Idempotency-Key": "one-key-two-processes"}
        body = {"category": "general", "subject": "Once", "description": "Sent to both processes"}
        with futures.ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda i: http(bases[i % 2], "POST", "/v1/support-tickets", token, body, headers=key), range(10)))
        created = {a_[2]["id"] for a_ in answers if a_[0] == 201}
        statuses = [a_[0] for a_ in answers]
        check(len(created) == 1 and all(s in (201, 409) for s in statuses), f"two processes, one Idempotency-Key: {statuses}")
        status, _, tickets = http(b.base, "GET", "/v1/support-tickets", token)
        check(len(tickets["items"]) == 1, f"two processes, one Idempotency-Key created {len(tickets['items'])} tickets")
        # Budgets live in the database: failures and enrolments counted by one process bind the other.
        guesses = [http(bases[i % 2], "POST", "/v1/auth/token", body={"email": "rev@faults.example",
                                                                       "password": "not the password at all"})[0]
                   for i in range(5)]
        check(guesses == [401] * 5, f"two processes, wrong passwords: {guesses}")
        right = [http(base, "POST", "/v1/auth/token", body={"email": "rev@faults.example", "password": PASSWORD})[0]
                 for base in bases]
        check(right == [429, 429], f"two processes, five failures on both block the pair on both: {right}")
        enrolled = [enrol_status(base) for base in (b.base, a.base, b.base, a.base)]
        check(enrolled == [201, 201, 429, 429], f"two processes, three enrolments per address in all: {enrolled}")
    finally:
        a.stop()
        b.stop()
        quiet = dict(os.environ, PGOPTIONS="--client-min-messages=warning")
        subprocess.run(["psql", url, "-qc", f"DROP SCHEMA {schema} CASCADE"], check=False, env=quiet)
    print("two_processes: done")


def crash(work):
    database = f"sqlite://{work}/crash.db"
    log = open(os.path.join(work, "crash.log"), "w")
    server = Server(database, 18383, log).start()
    mpn, token = enrol(server.base)
    ids = offers(server.base, token, mpn, 8)
    answered = {"tickets": [], "patches": {i: 0 for i in ids}}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n):
        i = 0
        while not stop.is_set():
            i += 1
            try:
                if i % 2:
                    status, _, body = http(server.base, "POST", "/v1/support-tickets", token,
                                           {"category": "general", "subject": f"w{n}-{i}", "description": "load"})
                    if status == 201:
                        with lock:
                            answered["tickets"].append(body["id"])
                else:
                    offer = ids[(n + i) % len(ids)]
                    status, _, _ = http(server.base, "PATCH", f"/v1/offers/{offer}", token, {"name": f"w{n}-{i}"})
                    if status == 200:
                        with lock:
                            answered["patches"][offer] += 1
            except OSError:
                return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(3)
    server.kill()
    stop.set()
    for t in threads:
        t.join()
    server = Server(database, 18383, log).start()
    try:
        tickets = answered["tickets"]
        missing = [t for t in tickets if http(server.base, "GET", f"/v1/support-tickets/{t}", token)[0] != 200]
        check(not missing, f"crash: {len(missing)} of {len(tickets)} answered tickets are missing")
        for offer, count in answered["patches"].items():
            _, _, body = http(server.base, "GET", f"/v1/offers/{offer}", token)
            edits = history(server.base, token, offer).count("offer.updated")
            check(body["status"] == "draft", f"crash: offer {offer} is {body['status']}")
            # Every committed edit bumped the version once and recorded one event; answered ones are among them.
            check(body["version"] - 1 >= count, f"crash: offer {offer} lost answered edits ({body['version'] - 1} < {count})")
            check(edits == body["version"] - 1, f"crash: offer {offer} has {edits} edit events for {body['version'] - 1} edits")
        print(f"crash: done ({len(tickets)} tickets and {sum(answered['patches'].values())} edits answered before kill -9)")
    finally:
        server.stop()


def soak(work):
    seconds = float(os.environ.get("FAULTS_SOAK_SECONDS", "60"))
    log = open(os.path.join(work, "soak.log"), "w")
    server = Server(f"sqlite://{work}/soak.db", 18384, log).start()
    mpn, token = enrol(server.base)
    ids = offers(server.base, token, mpn, 10)
    counts, bad = {}, []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n, write):
        i = 0
        while time.monotonic() < deadline:
            i += 1
            offer = ids[(n + i) % len(ids)]
            if write:
                status, headers, _ = http(server.base, "PATCH", f"/v1/offers/{offer}", token, {"name": f"s{n}-{i}"})
            else:
                status, headers, _ = http(server.base, "GET", f"/v1/offers/{offer}", token)
            with lock:
                counts[status] = counts.get(status, 0) + 1
                if status >= 500 and not (status == 503 and headers.get("Retry-After")):
                    bad.append(status)

    threads = [threading.Thread(target=worker, args=(n, n < 4)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.stop()
    log.close()
    locked = open(os.path.join(work, "soak.log")).read().count("database is locked")
    check(not bad, f"soak: 5xx other than 503 with Retry-After: {bad[:10]}")
    check(locked == 0 or counts.get(503, 0) > 0, "soak: 'database is locked' reached the log without a 503")
    print(f"soak: done ({sum(counts.values())} requests in {seconds:.0f} s: {counts})")


def limits(work):
    log = open(os.path.join(work, "limits.log"), "w")
    server = Server(f"sqlite://{work}/limits.db", 18385, log).start()
    try:
        mpn, token = enrol(server.base)
        [offer] = offers(server.base, token, mpn, 1)
        cases = [
            ("10 MB body", lambda: http(server.base, "POST", "/v1/publisher-profiles", token,
                                        raw=b'{"display_name": "' + b"x" * (10 * 1024 * 1024) + b'"}'), (413,)),
            ("10,000-deep JSON", lambda: http(server.base, "PATCH", f"/v1/offers/{offer}", token,
                                              raw=b"[" * 10000 + b"]" * 10000), (400,)),
            ("100,000-element array", lambda: http(server.base, "PATCH", f"/v1/offers/{offer}", token,
                                                   raw=b'{"properties": {"categories": [' + b",".join([b"0"] * 100000) + b"]}}"), (400, 422)),
            ("limit=1000000", lambda: http(server.base, "GET", "/v1/offers?limit=1000000", token), (400,)),
        ]
        for name, call, expected in cases:
            try:
                status = call()[0]
            except (OSError, urllib.error.URLError) as e:
                status = f"connection error {e}"
            check(status in expected, f"limits: {name} answered {status}, expected {expected}")
        # A 16 KiB token header is still a token the server reads, and refuses.
        status, headers, body = http(server.base, "GET", "/v1/users/me", "x" * (16 * 1024))
        check(status == 401 and (body or {}).get("code") == "unauthenticated", f"limits: a 16 KiB token answered {status}")
        # A header flood: far more header bytes than the server buffers.
        with socket.create_connection(("127.0.0.1", 18385), timeout=10) as s:
            request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-Flood-%d: %s\r\n" % (i, b"y" * 1000) for i in range(200)) + b"\r\n"
            try:
                s.sendall(request)
                reply = s.recv(200)
            except OSError:
                reply = b""
        status_line = reply.split(b"\r\n", 1)[0].decode(errors="replace")
        check(reply == b"" or " 431 " in status_line or " 400 " in status_line, f"limits: header flood answered {status_line!r}")
        started = time.monotonic()
        status = http(server.base, "GET", "/healthz")[0]
        elapsed = time.monotonic() - started
        check(status == 200 and elapsed < 1, f"limits: /healthz afterwards {status} in {elapsed:.2f} s")
        print(f"limits: done (header flood answered {status_line or 'by closing the connection'!r})")
    finally:
        server.stop()


class Receiver:
    """A webhook receiver on loopback: keeps every request, answers 200 after `delay` seconds."""

    def __init__(self, delay=0.0):
        received, lock = [], threading.Lock()

        class Handler(http_server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server was killed while waiting for the answer

            def log_message(self, *args):
                pass

        self.received, self.lock = received, lock
        self.server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self):
        with self.lock:
            return [headers["webhook-id"] for headers, _ in self.received]

    def wait_for(self, ids, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not set(ids) <= set(self.ids()):
            time.sleep(0.05)
        return self.ids()

    def close(self):
        self.server.shutdown()


def webhook_endpoint(base, token, url):
    status, _, body = http(base, "POST", "/v1/webhook-endpoints", token, {"url": url, "enabled_events": ["offer.*"]})
    assert status == 201, body
    return body["secret"]


def offer_events(base, token):
    events, after = [], 0
    while True:
        status, _, page = http(base, "GET", f"/v1/events?type=offer.*&limit=100&after={after}", token)
        assert status == 200, page
        events += page["items"]
        if not page["next_cursor"]:
            return events
        after = page["next_cursor"]


def webhooks(work):
    url = os.environ.get("FAULTS_POSTGRES_URL")
    if not url:
        print("webhooks: FAULTS_POSTGRES_URL is not set, skipped")
        return
    from standardwebhooks.webhooks import Webhook
    schema = f"faults_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", url, "-qc", f"CREATE SCHEMA {schema}"], check=True)
    sep = "&" if "?" in url else "?"
    database = f"{url}{sep}options=-csearch_path%3D{schema}"
    log = open(os.path.join(work, "webhooks.log"), "w")
    receiver = Receiver()
    a = b = None
    try:
        a = Server(database, 18386, log).start()
        b = Server(database, 18387, log).start()
        mpn, token = enrol(a.base)
        secret = webhook_endpoint(a.base, token, receiver.url)
        ids = offers(a.base, token, mpn, 4)
        bases = [a.base, b.base]
        with futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: http(bases[i % 2], "PATCH", f"/v1/offers/{ids[i % 4]}", token, {"name": f"W{i}"}),
                          range(60)))
        events = offer_events(a.base, token)
        sequences = [e["sequence"] for e in events]
        check(sequences == sorted(sequences) and len(set(sequences)) == len(sequences), "webhooks: feed out of order")
        expected = [e["id"] for e in events]
        got = receiver.wait_for(expected, 60)
        missing = set(expected) - set(got)
        twice = {i for i in got if got.count(i) > 1}
        check(not missing, f"webhooks: {len(missing)} of {len(expected)} events never arrived")
        check(not twice, f"webhooks: {len(twice)} events arrived more than once with nothing failing")
        hook, bad = Webhook(secret), 0
        with receiver.lock:
            for headers, body in receiver.received:
                try:
                    hook.verify(body, headers)
                except Exception:
                    bad += 1
        check(bad == 0, f"webhooks: {bad} signatures did not verify with the standardwebhooks package")
        print(f"webhooks: done ({len(expected)} events from two processes, each delivered once and verified)")
    finally:
        receiver.close()
        for server in (a, b):
            if server:
                server.stop()
        quiet = dict(os.environ, PGOPTIONS="--client-min-messages=warning")
        subprocess.run(["psql", url, "-qc", f"DROP SCHEMA {schema} CASCADE"], check=False, env=quiet)


def webhook_crash(work):
    database = f"sqlite://{work}/webhooks.db"
    log = open(os.path.join(work, "webhook_crash.log"), "w")
    receiver = Receiver(delay=0.05)
    server = Server(database, 18388, log).start()
    try:
        mpn, token = enrol(server.base)
        webhook_endpoint(server.base, token, receiver.url)
        ids = offers(server.base, token, mpn, 4)
        for i in range(60):
            http(server.base, "PATCH", f"/v1/offers/{ids[i % 4]}", token, {"name": f"C{i}"})
        expected = [e["id"] for e in offer_events(server.base, token)]
        deadline = time.monotonic() + 30
        while len(receiver.ids()) < len(expected) // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = len(receiver.ids())
        server.kill()
        check(before < len(expected), f"webhook_crash: all {before} events arrived before the kill")
        server = Server(database, 18388, log).start()
        got = receiver.wait_for(expected, 90)
        missing = set(expected) - set(got)
        check(not missing, f"webhook_crash: {len(missing)} of {len(expected)} events lost to kill -9")
        print(f"webhook_crash: done ({before} of {len(expected)} delivered before kill -9, all after restart, "
              f"{len(got) - len(set(got))} twice)")
    finally:
        receiver.close()
        server.stop()


CONTENT = ["name", "offer_alias", "offer_type", "publisher_profile_id", "setup", "properties", "listing", "plans",
           "resell_csp", "co_sell"]


def compare(work):
    """The comparison with live, applied by an independent JSON Patch implementation (Python's
    jsonpatch), gives the content now; so does each edit's `changes` applied in turn."""
    import jsonpatch
    database = f"sqlite://{work}/compare.db"
    log = open(os.path.join(work, "compare.log"), "w")
    server = Server(database, 18389, log)
    server.env["COSELL_AUTO_CERTIFY"] = "true"
    server.start()
    try:
        mpn, token = enrol(server.base)
        offer = offers(server.base, token, mpn, 1, complete=True)[0]
        co_sell = {"co_sell": {"solution_type": "ip_application", "platforms": ["Azure"], "segments": ["Enterprise"],
                               "solution_areas": [{"area": "Data & AI", "sub_areas": ["Analytics"]}]}}
        status, _, body = http(server.base, "PATCH", f"/v1/offers/{offer}", token, co_sell)
        assert status == 200, body
        for action in ["publish", "go-live"]:
            status, _, body = http(server.base, "POST", f"/v1/offers/{offer}/{action}", token)
            assert status in (200, 201), body

        def content():
            status, _, view = http(server.base, "GET", f"/v1/offers/{offer}", token)
            assert status == 200, view
            return {k: view[k] for k in CONTENT}

        steps = [content()]
        for patch in [{"listing": {"summary": "Live analytics", "search_keywords": ["a", "b", "c"]}},
                      {"listing": {"search_keywords": ["c", "a"]}, "co_sell": {"platforms": ["Azure", "Dynamics 365"]}},
                      {"name": "Renamed", "co_sell": {"solution_areas": [{"area": "Security", "sub_areas": []}]}}]:
            status, _, body = http(server.base, "PATCH", f"/v1/offers/{offer}", token, patch)
            assert status == 200, body
            steps.append(content())
        status, _, comparison = http(server.base, "GET", f"/v1/offers/{offer}/changes?against=live", token)
        assert status == 200, comparison
        status, _, live = http(server.base, "GET", f"/v1/submissions/{comparison['against']['submission_id']}", token)
        assert status == 200, live
        applied = jsonpatch.apply_patch(live["snapshot"], comparison["operations"])
        check(applied == steps[-1], f"compare: jsonpatch applied to the live snapshot gives {applied}, not {steps[-1]}")
        edited = sorted(s["section"] for s in comparison["sections"] if s["change"] == "edited")
        check(edited == ["co_sell", "listing"], f"compare: edited sections {edited}")
        status, _, page = http(server.base, "GET", f"/v1/offers/{offer}/history?limit=100", token)
        assert status == 200, page
        updates = [e for e in reversed(page["items"]) if e["action"] == "offer.updated"][-3:]
        for i, update in enumerate(updates):
            applied = jsonpatch.apply_patch(steps[i], update["changes"])
            check(applied == steps[i + 1], f"compare: edit {i}'s changes give {applied}, not {steps[i + 1]}")
        print(f"compare: done ({len(comparison['operations'])} operations against live and 3 edits' changes "
              "applied with Python's jsonpatch)")
    finally:
        server.stop()


def main():
    parts = sys.argv[1:] or ["two_processes", "crash", "soak", "limits", "webhooks", "webhook_crash", "compare"]
    work = tempfile.mkdtemp(prefix="cosell-faults-")
    for part in parts:
        print(f"{part}: running", flush=True)
        globals()[part](work)
    if failures:
        print(f"{len(failures)} failed")
        sys.exit(1)
    print("all fault tests passed")


if __name__ == "__main__":
    main()
