#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Python's side of bench/tuf: what the issue names as the baseline,
json.loads of the file and json.dumps(sort_keys=True) of the result, timed
RUNS times in this process.

Prints key=value lines: py_ms (median), py_rss_kb (peak), py_same (1 when a
compact dump of "signed" is exactly the file's signed bytes, so both sides
read the same data; checked after timing, not timed).
"""
import json
import resource
import statistics
import sys
import time


def main():
    path, runs = sys.argv[1], int(sys.argv[2])
    with open(path, "rb") as f:
        data = f.read()
    times = []
    doc = out = None
    for _ in range(runs):
        del doc, out
        t0 = time.perf_counter()
        doc = json.loads(data)
        out = json.dumps(doc, sort_keys=True)
        times.append((time.perf_counter() - t0) * 1000.0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    signed = json.dumps(doc["signed"], sort_keys=True, separators=(",", ":"),
                        ensure_ascii=False)
    print("py_ms=%.3f" % statistics.median(times))
    print("py_rss_kb=%d" % rss)
    print("py_same=%d" % int(data.startswith(b'{"signed":' + signed.encode() + b',')))

if __name__ == "__main__":
    main()
