"""Time to the first verified sentence, as a reader of /api/v1/ask/stream gets it.

Usage: python3 first_sentence.py BASE_URL QUESTION...   (e.g. http://127.0.0.1:18090)

For each question, prints the seconds from sending it to the first `point` event (a point of the
model's answer that verified while the rest was still being written: the first verified sentence
since issue 26), to the `delta` event (the whole verified answer: before issue 26 the first
verified text a reader got) and to `done`, and the reply's mode; then the medians. Both figures
come from the same request, so a busy CPU weighs on them alike.
"""

import json
import statistics
import sys
import time
import urllib.request


def ask(base, question):
    body = json.dumps({"question": question, "mode": "auto"}).encode()
    request = urllib.request.Request(
        base + "/api/v1/ask/stream", data=body,
        headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
    started = time.monotonic()
    seen = {}
    mode = None
    points = 0
    name = "message"
    with urllib.request.urlopen(request, timeout=1300) as response:
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                now = time.monotonic() - started
                seen.setdefault(name, now)
                if name == "point":
                    points += 1
                if name == "done":
                    reply = json.loads(line[5:])
                    mode = reply["mode"] + (" (fallback)" if reply.get("fallback_reason") else "")
            elif not line:
                name = "message"
    return seen.get("point"), seen.get("delta"), seen.get("done"), points, mode


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    base = sys.argv[1].rstrip("/")
    firsts, deltas = [], []
    print("%-60s %8s %8s %8s %6s  %s" % ("question", "point s", "delta s", "done s", "points", "mode"))
    for question in sys.argv[2:]:
        point, delta, done, points, mode = ask(base, question)
        deltas.append(delta)
        # With no point streamed, the first verified text is the delta.
        firsts.append(point if point is not None else delta)
        shown = "%8.1f" % point if point is not None else "       -"
        print("%-60s %s %8.1f %8.1f %6d  %s" % (question[:60], shown, delta, done, points, mode))
    print("median time to the first verified sentence: %.1f s (streamed points); %.1f s (whole "
          "answer first, as before)" % (statistics.median(firsts), statistics.median(deltas)))


if __name__ == "__main__":
    main()
