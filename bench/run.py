#!/usr/bin/env python3
"""`make bench`: measures cosell against the limits of this machine and writes docs/performance.md.

The service runs with one worker pinned to core 0; wrk drives it from core 1 over loopback with
real bearer tokens of several users of several organizations. Each scenario is interleaved with
its baseline, BENCH_PAIRS times (default 5) for BENCH_SECONDS each (default 5):
  get_offer    GET /v1/offers/{id} over many ids and callers     vs the bare actix server
  list_offers  GET /v1/offers?limit=20, with a filter, and a cursor vs the bare actix server
  patch_offer  PATCH /v1/offers/{id} with If-Match                vs the edit's own transaction alone
  mixed        80 % reads, 15 % patches, 5 % publish/cancel      vs the bare actix server (its writes
               also against the edit's own transaction)
  webhooks     patch_offer with an enabled webhook endpoint per organization, delivering to a
               receiver on loopback                               vs patch_offer with them disabled
Then the same reads at 100x the data, resident memory, time to the first 200 and binary size.
Set BENCH_POSTGRES_URL (a server URL; database cosell_bench is recreated) to add PostgreSQL.
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")
SERVER = os.path.join(RELEASE, "cosell")
BASELINE = os.path.join(RELEASE, "cosell-bench-baseline")
RECEIVER = os.path.join(RELEASE, "cosell-bench-receiver")
STORAGE = os.path.join(RELEASE, "cosell-storage-limit")
SECRET = "bench-secret-that-is-at-least-32-bytes-long"
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))
SMALL = (int(os.environ.get("BENCH_ORGS", "20")), int(os.environ.get("BENCH_OFFERS", "50")))
GROWTH = int(os.environ.get("BENCH_GROWTH", "100"))
SERVER_PORT, BASELINE_PORT, RECEIVER_PORT = 18280, 18290, 18295
PASSWORD = "bench password 1"


def http(method, url, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            raw = res.read()
            return res.status, dict(res.headers), (json.loads(raw) if raw else None), raw
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, dict(e.headers), (json.loads(raw) if raw else None), raw


def env_for(database_url):
    env = dict(os.environ)
    env.update(COSELL_DATABASE_URL=database_url, COSELL_JWT_SECRET=SECRET, COSELL_LOG="warn", COSELL_WORKERS="1",
               COSELL_BIND=f"127.0.0.1:{SERVER_PORT}", COSELL_TOKEN_TTL_SECONDS="86400",
               COSELL_WEBHOOK_ALLOW_HTTP="true", COSELL_WEBHOOK_ALLOW_PRIVATE="true",
               COSELL_LIMIT_LOGINS_PER_MINUTE="1000000", COSELL_LIMIT_ENROLMENTS_PER_HOUR="1000000")
    return env


def seed(database_url, organizations, offers):
    out = subprocess.run([SERVER, "admin", "seed-bench", "--organizations", str(organizations), "--offers", str(offers)],
                         env=env_for(database_url), check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])


def port_taken(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def start_server(database_url):
    # A server left over from an interrupted run would answer in this one's place.
    if port_taken(SERVER_PORT):
        sys.exit(f"port {SERVER_PORT} is taken: stop what listens there (an interrupted benchmark's server?)")
    started = time.monotonic()
    proc = subprocess.Popen(["taskset", "-c", "0", SERVER, "serve"], env=env_for(database_url),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{SERVER_PORT}/healthz"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as res:
                if res.status == 200:
                    return proc, (time.monotonic() - started) * 1000
        except OSError:
            if proc.poll() is not None:
                sys.exit("the service did not start")
            time.sleep(0.001)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


LUA_COMMON = r"""
local thread_id = 0
local threads = {}
setup = function(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def lua_table(values):
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def script(body, data):
    fd, path = tempfile.mkstemp(suffix=".lua")
    with os.fdopen(fd, "w") as f:
        for name, values in data.items():
            f.write(f"{name} = {lua_table(values)}\n")
        f.write(LUA_COMMON)
        f.write(body)
    return path


GET_OFFER = r"""
request = function()
  local i = math.random(#ids)
  return wrk.format("GET", "/v1/offers/" .. ids[i], {["Authorization"] = "Bearer " .. tokens[owner[i]]})
end
"""

LIST_OFFERS = r"""
local n = 0
request = function()
  n = n + 1
  local t = math.random(#tokens)
  local path = "/v1/offers?limit=20"
  if n % 3 == 1 then path = "/v1/offers?limit=20&status=live" end
  if n % 3 == 2 then path = "/v1/offers?limit=20&cursor=" .. cursors[t] end
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. tokens[t]})
end
"""

# One connection per thread, so a response belongs to the thread's last request.
PATCH_OFFER = r"""
local mine, etag, last, n = {}, {}, nil, 0
init = function(args)
  for i = 1, #ids do
    if (i % #threads_hint) == tid % #threads_hint then table.insert(mine, i) end
  end
  for _, i in ipairs(mine) do etag[i] = '"' .. versions[i] .. '"' end
end
request = function()
  n = n + 1
  last = mine[(n % #mine) + 1]
  return wrk.format("PATCH", "/v1/offers/" .. ids[last], {
    ["Authorization"] = "Bearer " .. tokens[owner[last]],
    ["Content-Type"] = "application/json",
    ["If-Match"] = etag[last]}, '{"name":"Bench edit ' .. n .. '"}')
end
response = function(status, headers, body)
  if headers["etag"] then etag[last] = headers["etag"] end
end
"""

MIXED = r"""
local edits, actions, etag, published, last, kind, n = {}, {}, {}, {}, nil, nil, 0
init = function(args)
  for i = 1, #ids do
    if (i % #threads_hint) == tid % #threads_hint then
      if drafts[i] then table.insert(actions, i) else table.insert(edits, i) end
    end
  end
  for _, i in ipairs(edits) do etag[i] = '"' .. versions[i] .. '"' end
  for _, i in ipairs(actions) do published[i] = in_flight[i] end
end
request = function()
  n = n + 1
  local roll = n % 20
  if roll < 16 then
    kind = "read"
    local i = math.random(#ids)
    return wrk.format("GET", "/v1/offers/" .. ids[i], {["Authorization"] = "Bearer " .. tokens[owner[i]]})
  end
  if roll < 19 or #actions == 0 then
    kind = "patch"
    last = edits[(n % #edits) + 1]
    return wrk.format("PATCH", "/v1/offers/" .. ids[last], {
      ["Authorization"] = "Bearer " .. tokens[owner[last]], ["Content-Type"] = "application/json",
      ["If-Match"] = etag[last]}, '{"name":"Mixed edit ' .. n .. '"}')
  end
  kind = "action"
  last = actions[(n % #actions) + 1]
  local action = published[last] and "cancel-publish" or "publish"
  published[last] = not published[last]
  return wrk.format("POST", "/v1/offers/" .. ids[last] .. "/" .. action, {["Authorization"] = "Bearer " .. tokens[owner[last]]})
end
response = function(status, headers, body)
  if kind == "patch" and headers["etag"] then etag[last] = headers["etag"] end
end
"""


def wrk(lua, port, threads=2, connections=16):
    cmd = ["taskset", "-c", "1", "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(SECONDS))}s", "--latency", "-s", lua,
           f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH_JSON "))
    r = json.loads(line[len("BENCH_JSON "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def fixtures(base, organizations):
    """Tokens of several owners, their offers (id, version) and a cursor into each list."""
    tokens, ids, owner, versions, cursors, drafts = [], [], [], [], [], []
    for n in range(0, organizations, max(1, organizations // 10)):
        status, _, body, _ = http("POST", f"{base}/v1/auth/token", body={"email": f"owner{n}@bench.example", "password": PASSWORD})
        assert status == 200, body
        token = body["access_token"]
        tokens.append(token)
        status, _, page, _ = http("GET", f"{base}/v1/offers?limit=100", token)
        assert status == 200, page
        for offer in page["items"]:
            ids.append(offer["id"])
            owner.append(len(tokens))
            versions.append(offer["version"])
            drafts.append(offer["status"] == "draft")
        _, _, first, _ = http("GET", f"{base}/v1/offers?limit=20", token)
        cursors.append(first["next_cursor"] or "")
    return dict(tokens=tokens, ids=ids, owner=owner, versions=versions, cursors=cursors, drafts=drafts)


def refresh_versions(base, data):
    """The offers' current versions, so If-Match starts right in every run."""
    current = {}
    for token in data["tokens"]:
        _, _, page, _ = http("GET", f"{base}/v1/offers?limit=100", token)
        current.update({o["id"]: o for o in page["items"]})
    return {**data, "versions": [current[i]["version"] for i in data["ids"]],
            "in_flight": [current[i]["status"] == "publish_in_progress" for i in data["ids"]]}


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def pairs(run_ours, run_base):
    ours, base = [], []
    for _ in range(PAIRS):
        base.append(run_base())
        ours.append(run_ours())
    ratios = [o["rps"] / b["rps"] for o, b in zip(ours, base)]
    return dict(rps=median(ours, "rps"), p50_us=median(ours, "p50_us"), p99_us=median(ours, "p99_us"),
                non2xx=sum(o["non2xx"] for o in ours), base_rps=median(base, "rps"), ratio=statistics.median(ratios))


def storage_limit(database_url, transaction="edit"):
    """Committed transactions per second of `cosell-storage-limit`: `edit` is exactly what a
    `PATCH /v1/offers/{id}` commits, `row` a single-row update."""
    env = env_for(database_url)
    # Two writers, as patch_offer's two connections (PostgreSQL only: SQLite has one writer).
    out = subprocess.run(["taskset", "-c", "0", STORAGE, str(SECONDS), transaction, "2" if transaction == "edit" else "1"],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_baseline(body_path, env):
    """The bare actix server, once it accepts connections."""
    if port_taken(BASELINE_PORT):
        sys.exit(f"port {BASELINE_PORT} is taken: stop what listens there (an interrupted benchmark's baseline?)")
    proc = subprocess.Popen(["taskset", "-c", "0", BASELINE, f"127.0.0.1:{BASELINE_PORT}", body_path], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", BASELINE_PORT), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                sys.exit("the baseline server did not start")
            time.sleep(0.01)
    sys.exit("the baseline server did not start listening")


class Receiver:
    """The webhook receiver on loopback (`cosell-bench-receiver`, one worker pinned to the load
    generator's core): answers 204 and keeps, per first arrival of each `webhook-id`, how long
    after the event's `occurred_at` (set in the committing transaction) it came."""

    def __init__(self):
        port = RECEIVER_PORT
        self.process = subprocess.Popen(["taskset", "-c", "1", RECEIVER, f"127.0.0.1:{port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/hook"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{self.base}/count", timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit("the webhook receiver did not start")

    def since(self, started):
        """(arrived_at, latency in s) of the events first received after `started`, in arrival order."""
        with urllib.request.urlopen(f"{self.base}/arrivals?since={started}", timeout=30) as response:
            return [tuple(pair) for pair in json.load(response)]

    def close(self):
        self.process.terminate()
        self.process.wait()


def webhooks_scenario(base_url, data, patch_script):
    """patch_offer with an enabled endpoint in every organization it edits (each edit is one
    delivery), paired with the same run with the endpoints disabled; then how fast the events
    arrived and how long after their commit. The receiver runs on the load generator's core, as
    a receiver elsewhere would not take the server's."""
    receiver = Receiver()
    endpoints = []
    for token in data["tokens"]:
        status, _, body, _ = http("POST", f"{base_url}/v1/webhook-endpoints", token,
                                  {"url": receiver.url, "enabled_events": ["offer.*"]})
        assert status == 201, body
        endpoints.append((token, body["endpoint"]["id"]))

    def switch(action):
        for token, endpoint in endpoints:
            status, _, body, _ = http("POST", f"{base_url}/v1/webhook-endpoints/{endpoint}/{action}", token)
            assert status == 200, body

    runs = []

    def with_endpoints():
        switch("enable")
        started = time.time()
        r = wrk(patch_script(), SERVER_PORT, threads=2, connections=2)
        ended = time.time()
        edits = r["requests"] - r["non2xx"]
        deadline = ended + 120
        while len(receiver.since(started)) < edits and time.time() < deadline:
            time.sleep(0.05)
        arrived = receiver.since(started)
        during = sum(1 for at, _ in arrived if at <= ended)
        runs.append(dict(edits=edits, delivered=len(arrived), per_second=during / (ended - started),
                         drained_s=time.time() - ended, latencies=[latency for _, latency in arrived]))
        return r

    def without_endpoints():
        switch("disable")
        return wrk(patch_script(), SERVER_PORT, threads=2, connections=2)

    try:
        paired = pairs(with_endpoints, without_endpoints)
    finally:
        switch("disable")
        receiver.close()
    latencies = sorted(l for run in runs for l in run["latencies"])
    quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
    return dict(paired, delivered_per_second=statistics.median(r["per_second"] for r in runs),
                lost=sum(max(0, r["edits"] - r["delivered"]) for r in runs), drained_s=max(r["drained_s"] for r in runs),
                first_attempt_p50_ms=quantile(0.50) * 1000, first_attempt_p99_ms=quantile(0.99) * 1000,
                events=len(latencies))


def bench_database(label, database_url, reset):
    reset()
    seeded = seed(database_url, *SMALL)
    server, startup_ms = start_server(database_url)
    base_url = f"http://127.0.0.1:{SERVER_PORT}"
    data = fixtures(base_url, SMALL[0])
    sample = data["ids"][0]
    _, _, _, body = http("GET", f"{base_url}/v1/offers/{sample}", data["tokens"][0])
    body_file = tempfile.NamedTemporaryFile(delete=False, suffix=".json")
    body_file.write(body)
    body_file.close()
    env = env_for(database_url)
    baseline = start_baseline(body_file.name, env)
    results = {}
    try:
        threads_hint = dict(threads_hint=[0, 1])
        get_lua = script(GET_OFFER, data)
        list_lua = script(LIST_OFFERS, data)
        fresh = lambda body: script(body, {**refresh_versions(base_url, data), **threads_hint})
        results["get_offer"] = pairs(lambda: wrk(get_lua, SERVER_PORT), lambda: wrk(get_lua, BASELINE_PORT))
        results["list_offers"] = pairs(lambda: wrk(list_lua, SERVER_PORT), lambda: wrk(get_lua, BASELINE_PORT))
        # Half the maximum read rate, for the latency target.
        half = results["get_offer"]["rps"] / 2
        results["get_offer_at_half_rate"] = wrk_rate(get_lua, half)
        stop(baseline)
        results["patch_offer"] = pairs(lambda: wrk(fresh(PATCH_OFFER), SERVER_PORT, threads=2, connections=2),
                                       lambda: dict(rps=storage_limit(database_url)["per_second"], p50_us=0, p99_us=0, non2xx=0))
        results["row_limit"] = storage_limit(database_url, "row")["per_second"]
        results["webhooks"] = webhooks_scenario(base_url, data, lambda: fresh(PATCH_OFFER))
        baseline = start_baseline(body_file.name, env)
        results["mixed"] = pairs(lambda: wrk(fresh(MIXED), SERVER_PORT, threads=2, connections=2), lambda: wrk(get_lua, BASELINE_PORT))
        # A fifth of mixed's requests write (15 % edits, 5 % publish or cancel).
        results["mixed"]["writes_ratio"] = results["mixed"]["rps"] * 0.20 / results["patch_offer"]["base_rps"]
        results["rss_mib"] = rss_kib(server.pid) / 1024
    finally:
        stop(server)
        stop(baseline)
    # Restart on the existing database: time to the first 200.
    server, startup_ms = start_server(database_url)
    stop(server)
    results["startup_ms"] = startup_ms
    results["seeded"] = seeded
    results["callers"] = len(data["tokens"])

    # Data growth: the same reads with GROWTH times the organizations (and so the rows).
    seed(database_url, SMALL[0] * (GROWTH - 1), SMALL[1])
    server, _ = start_server(database_url)
    try:
        grown_get = [wrk(get_lua, SERVER_PORT) for _ in range(3)]
        grown_list = [wrk(list_lua, SERVER_PORT) for _ in range(3)]
        small_get = results["get_offer"]["p50_us"]
        small_list = results["list_offers"]["p50_us"]
        results["growth"] = dict(get_offer_p50_us=median(grown_get, "p50_us"), list_offers_p50_us=median(grown_list, "p50_us"),
                                 get_ratio=median(grown_get, "p50_us") / small_get, list_ratio=median(grown_list, "p50_us") / small_list)
    finally:
        stop(server)
    return results


def paced(lua):
    """The script, with each connection waiting 1 ms between its requests (wrk's `delay`)."""
    path = lua.replace(".lua", "-paced.lua")
    with open(lua) as src, open(path, "w") as dst:
        dst.write(src.read() + "\ndelay = function() return 1 end\n")
    return path


def wrk_rate(lua, rate):
    """Latency at a fixed request rate. wrk has no rate limit, but each connection can wait 1 ms
    between its requests, so N connections send about N x 1000/(1 + latency in ms) requests/s.
    A first run sizes N for the target; up to two more are resized by what the last reached."""
    script = paced(lua)
    connections = max(1, round(rate / 1000))
    for _ in range(3):
        r = wrk(script, SERVER_PORT, threads=2 if connections > 1 else 1, connections=connections)
        resized = max(1, round(connections * rate / r["rps"]))
        if resized == connections:
            break
        connections = resized
    return dict(rps=r["rps"], p50_us=r["p50_us"], p99_us=r["p99_us"], target_rps=rate, connections=connections)


def verdicts(results):
    """Each target of the SQLite run, with whether it is met."""
    g, l, p, h, gr, w = (results[k] for k in ("get_offer", "list_offers", "patch_offer", "get_offer_at_half_rate", "growth", "webhooks"))
    return [
        ("get_offer >= 40 % of bare actix", f"{g['ratio']*100:.0f} %", g["ratio"] >= 0.40),
        ("list_offers >= 20 % of bare actix", f"{l['ratio']*100:.0f} %", l["ratio"] >= 0.20),
        ("patch_offer >= 60 % of its own transaction's limit", f"{p['ratio']*100:.0f} %", p["ratio"] >= 0.60),
        ("read p99 < 2 ms at half the maximum rate", f"{h['p99_us']/1000:.2f} ms at {h['rps']:.0f}/s", h["p99_us"] < 2000),
        ("resident memory < 50 MB after the run", f"{results['rss_mib']:.1f} MiB", results["rss_mib"] * 1.048576 < 50),
        ("first 200 within 100 ms of start", f"{results['startup_ms']:.0f} ms", results["startup_ms"] < 100),
        ("webhooks: commit to first attempt p50 < 50 ms, p99 < 1 s",
         f"p50 {w['first_attempt_p50_ms']:.1f} ms, p99 {w['first_attempt_p99_ms']:.1f} ms",
         w["first_attempt_p50_ms"] < 50 and w["first_attempt_p99_ms"] < 1000),
        ("webhooks: patch_offer with an endpoint >= 80 % of without", f"{w['ratio']*100:.0f} %", w["ratio"] >= 0.80),
        ("p50 at 100x the data within 1.3x", f"get {gr['get_ratio']:.2f}x, list {gr['list_ratio']:.2f}x",
         gr["get_ratio"] <= 1.3 and gr["list_ratio"] <= 1.3),
    ]


def postgres_verdicts(results):
    """The PostgreSQL run's own targets."""
    g, p = results["get_offer"], results["patch_offer"]
    return [
        ("PostgreSQL: patch_offer >= 60 % of its own transaction's limit", f"{p['ratio']*100:.0f} %", p["ratio"] >= 0.60),
        ("PostgreSQL: get_offer >= 25 % of bare actix", f"{g['ratio']*100:.0f} %", g["ratio"] >= 0.25),
    ]


def sqlite_target():
    folder = tempfile.mkdtemp(prefix="cosell-bench-")
    url = f"sqlite://{folder}/bench.db"

    def reset():
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
    return url, reset, folder


def postgres_target(server_url):
    url = server_url.rstrip("/").rsplit("/", 1)[0] + "/cosell_bench"

    def reset():
        subprocess.run(["psql", server_url, "-qc", "DROP DATABASE IF EXISTS cosell_bench"], check=True)
        subprocess.run(["psql", server_url, "-qc", "CREATE DATABASE cosell_bench"], check=True)
    return url, reset


def fmt(results, label):
    g, l, p, m = results["get_offer"], results["list_offers"], results["patch_offer"], results["mixed"]
    h, gr = results["get_offer_at_half_rate"], results["growth"]
    row = lambda name, r, base: f"| {label} | {name} | {r['rps']:.0f} | {r['p50_us']/1000:.2f} | {r['p99_us']/1000:.2f} | {base} {r['base_rps']:.0f} | {r['ratio']*100:.0f} % | {r['non2xx']} |"
    lines = [
        row("get_offer", g, "bare actix"), row("list_offers", l, "bare actix"),
        row("patch_offer", p, "edit transaction"), row("mixed", m, "bare actix"),
        row("webhooks", results["webhooks"], "patch_offer, endpoints disabled"),
    ]
    w = results["webhooks"]
    extra = (f"- {label}: storage limits: the edit's own transaction {p['base_rps']:.0f}/s (patch_offer reaches "
             f"{p['ratio']*100:.0f} % of it); a single-row update {results['row_limit']:.0f}/s. mixed's writes "
             f"({m['rps'] * 0.20:.0f}/s) are {m['writes_ratio']*100:.0f} % of the edit transaction's limit.\n"
             f"- {label}: get_offer paced at half its maximum rate ({h['target_rps']:.0f}/s asked, {h['rps']:.0f}/s reached on "
             f"{h['connections']} connections): p50 {h['p50_us']/1000:.2f} ms, p99 {h['p99_us']/1000:.2f} ms.\n"
             f"- {label}: at {GROWTH}x the data ({results['seeded']['offers'] * GROWTH} offers), get_offer p50 is {gr['get_ratio']:.2f}x and "
             f"list_offers p50 {gr['list_ratio']:.2f}x the small data set's.\n"
             f"- {label}: webhooks: {w['delivered_per_second']:.0f} events/s delivered while patch_offer ran; "
             f"commit to first attempt p50 {w['first_attempt_p50_ms']:.1f} ms, p99 {w['first_attempt_p99_ms']:.1f} ms over "
             f"{w['events']} events; {w['lost']} edits without a delivery once drained; backlog drained {w['drained_s']:.1f} s after the load.\n"
             f"- {label}: resident memory after the run {results['rss_mib']:.1f} MiB; first 200 on /healthz {results['startup_ms']:.0f} ms after start "
             f"on an existing database.\n")
    return lines, extra


def main():
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install wrk util-linux")
    runs = []
    url, reset, folder = sqlite_target()
    try:
        runs.append(("SQLite", bench_database("SQLite", url, reset)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    pg = os.environ.get("BENCH_POSTGRES_URL")
    if pg:
        url, reset = postgres_target(pg)
        runs.append(("PostgreSQL", bench_database("PostgreSQL", url, reset)))
    size_mib = os.path.getsize(SERVER) / (1 << 20)
    table, notes = [], ""
    for label, results in runs:
        lines, extra = fmt(results, label)
        table += lines
        notes += extra
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
    report = f"""# Performance

The last `make bench` run ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}) on {os.cpu_count()} cores ({cpu}).
The service ran with one worker pinned to core 0; wrk drove it from core 1 over loopback with bearer
tokens of {runs[0][1]['callers']} owners of as many organizations. Each scenario
ran {PAIRS} times for {SECONDS:.0f} s, interleaved with its baseline; the table shows medians. Data:
{SMALL[0]} organizations x {SMALL[1]} offers (every state, full sections), with users, solutions and tickets.

| database | scenario | requests/s | p50 ms | p99 ms | baseline req/s | ratio | non-2xx |
|---|---|---|---|---|---|---|---|
""" + "\n".join(table) + f"""

Targets (one server core; SQLite unless named):

| target | this run | met |
|---|---|---|
""" + "\n".join(f"| {name} | {value} | {'yes' if ok else 'no'} |" for name, value, ok in verdicts(runs[0][1])
                 + [v for label, results in runs[1:] for v in postgres_verdicts(results)]) + f"""

{notes}- Release binary: {size_mib:.1f} MiB.

Baselines: *bare actix* is `bench/baseline`, an actix-web server with one worker that checks the
same HS256 token and answers a static body of the size of a `get_offer` answer (the framework's
limit here). *Edit transaction* is `cosell-storage-limit edit`: committed transactions per second
of exactly what a `PATCH /v1/offers/{{id}}` commits (the offer read, the version-guarded update, the
audit event, the feed's counter and event, the deliveries), through the service's own connection
settings and statements, without HTTP, parsing, merging, validating or rendering. The single-row
update (`cosell-storage-limit row`) is the bare commit rate. *mixed* is 80 % `get_offer`, 15 % `patch_offer`,
5 % publish / cancel-publish, on two connections. *webhooks* is `patch_offer` while every
organization it edits has an enabled endpoint on a receiver on loopback (`cosell-bench-receiver`,
one worker on the load generator's core), against the same run with the endpoints disabled.

Reproduce: `make bench` (BENCH_SECONDS, BENCH_PAIRS, BENCH_ORGS, BENCH_OFFERS, BENCH_GROWTH tune it;
it runs PostgreSQL on the local server, or on BENCH_POSTGRES_URL; an empty BENCH_POSTGRES_URL skips it).
"""
    path = os.path.join(ROOT, "docs", "performance.md")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    findings = os.path.join(ROOT, "docs", "performance-findings.md")
    with open(path, "w") as f:
        f.write(report)
        if os.path.exists(findings):
            f.write("\n" + open(findings).read())
    print(report)


if __name__ == "__main__":
    main()
