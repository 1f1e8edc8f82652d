"""Hostile clients for benches/hostile.sh (loopback only, standard library only).

  attack PORT CONNECTIONS SECONDS [DELAY]
                                       idle and slowloris connections, each reopened DELAY s
                                       (default 1) after the server closes it, as slowloris
                                       tools recreate their dead sockets
  probe PORT SECONDS PATH...           normal clients: one request per fresh connection, every
                                       20 ms, PATHs in turn; prints latency percentiles per path
  burst PORT N                         N searches as fast as one client can; counts 429s
  heavy PORT THREADS SECONDS           k=100 offline asks from THREADS addresses; counts statuses
  asks PORT THREADS N                  N asks to the model from THREADS addresses at once
  fake-llm PORT SECONDS                an OpenAI-style model answering after SECONDS; GET /stats
                                       says the most requests it ever had in flight
"""

import asyncio
import http.client
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def request(port, method, path, body=None, source=HOST, timeout=30):
    """(status, headers, body bytes) over a fresh connection from `source`."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    try:
        headers = {"Connection": "close"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


async def attacker(port, slow, stop, stats, delay):
    while time.monotonic() < stop:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(0.05)
            continue
        stats["opened"] += 1
        try:
            if slow:
                writer.write(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
            while time.monotonic() < stop:
                if slow:
                    writer.write(b"x-slow-%d: y\r\n" % random.randrange(1000))
                    await writer.drain()
                try:
                    data = await asyncio.wait_for(reader.read(1024), timeout=1.0)
                except asyncio.TimeoutError:
                    continue
                if data.startswith(b"HTTP/1.1 503"):
                    stats["refused"] += 1
                if not data:
                    stats["closed_by_server"] += 1
                    break
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            writer.close()
        await asyncio.sleep(delay)


async def attack(port, connections, seconds, delay):
    stop = time.monotonic() + seconds
    stats = {"opened": 0, "closed_by_server": 0, "refused": 0, "connect_errors": 0}
    await asyncio.gather(*(attacker(port, i % 2 == 1, stop, stats, delay) for i in range(connections)))
    print("attack: " + json.dumps(stats))


def probe(port, seconds, paths):
    stop = time.monotonic() + seconds
    times = {p: [] for p in paths}
    statuses = {}
    failures = {}
    n = 0
    while time.monotonic() < stop:
        path = paths[n % len(paths)]
        n += 1
        started = time.perf_counter()
        try:
            status, _, _ = request(port, "GET", path, timeout=10)
            times[path].append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        except (OSError, http.client.HTTPException) as e:
            failures[type(e).__name__] = failures.get(type(e).__name__, 0) + 1
        time.sleep(0.02)
    for path, ms in times.items():
        print(
            f"probe {path}: {len(ms)} requests, p50 {percentile(ms, 50):.1f} ms, "
            f"p99 {percentile(ms, 99):.1f} ms, max {max(ms, default=float('nan')):.1f} ms"
        )
    print("probe statuses: " + json.dumps(statuses) + f", failures {sum(failures.values())} {json.dumps(failures) if failures else ''}".rstrip())


def burst(port, n):
    statuses = {}
    retry_after = 0
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    for _ in range(n):
        conn.request("GET", "/api/v1/search?q=rituximab")
        response = conn.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        retry_after += response.getheader("retry-after") is not None
    print(f"burst: {n} searches from one client: " + json.dumps(statuses) + f", with Retry-After {retry_after}")


def run_threads(count, target):
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def heavy(port, count, seconds):
    stop = time.monotonic() + seconds
    statuses = {}
    lock = threading.Lock()
    body = {"question": "What about IVIG dosing and rituximab for refractory disease?", "k": 100, "mode": "offline"}

    def worker(i):
        while time.monotonic() < stop:
            try:
                status, _, _ = request(port, "POST", "/api/v1/ask", body, source=f"127.0.1.{i + 1}")
            except OSError:
                status = "error"
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    run_threads(count, worker)
    print(f"heavy: k=100 asks from {count} addresses: " + json.dumps(statuses))


def asks(port, count, n):
    modes = {}
    lock = threading.Lock()
    per = max(1, n // count)

    def worker(i):
        for _ in range(per):
            status, _, data = request(port, "POST", "/api/v1/ask", {"question": "What about IVIG dosing?", "mode": "llm"}, source=f"127.0.2.{i + 1}", timeout=120)
            key = str(status)
            if status == 200:
                reply = json.loads(data)
                reason = reply.get("fallback_reason") or ""
                key = reply["mode"] + (" (model busy)" if "already answering" in reason else "")
            with lock:
                modes[key] = modes.get(key, 0) + 1

    run_threads(count, worker)
    print(f"asks: {per * count} questions for the model from {count} addresses at once: " + json.dumps(modes))


def fake_llm(port, delay):
    state = {"in_flight": 0, "most": 0, "total": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = json.dumps(state).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                state["in_flight"] += 1
                state["total"] += 1
                state["most"] = max(state["most"], state["in_flight"])
            time.sleep(delay)
            with lock:
                state["in_flight"] -= 1
            reply = {"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": "The sources do not say."}}],
                     "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
            body = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer((HOST, port), Handler).serve_forever()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    if mode == "attack":
        asyncio.run(attack(port, int(args[0]), float(args[1]), float(args[2]) if len(args) > 2 else 1.0))
    elif mode == "probe":
        probe(port, float(args[0]), args[1:])
    elif mode == "burst":
        burst(port, int(args[0]))
    elif mode == "heavy":
        heavy(port, int(args[0]), float(args[1]))
    elif mode == "asks":
        asks(port, int(args[0]), int(args[1]))
    elif mode == "fake-llm":
        fake_llm(port, float(args[0]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
