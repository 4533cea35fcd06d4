#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Python's side of bench/tuf: json.loads of the file and a canonical-style
json.dumps of "signed", timed RUNS times in this process.

Prints key=value lines: py_ms (median), py_rss_kb (peak), py_same (1 when
the output is exactly the file's signed bytes; checked after timing).
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
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        doc = json.loads(data)
        out = json.dumps(doc["signed"], sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False)
        times.append((time.perf_counter() - t0) * 1000.0)
        del doc
    print("py_ms=%.3f" % statistics.median(times))
    print("py_rss_kb=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print("py_same=%d" % int(data.startswith(b'{"signed":' + out.encode() + b',')))


if __name__ == "__main__":
    main()
