#!/usr/bin/env python3
"""Summarise meson test logs (and the fuzz summary) at the level of individual tests.

meson counts a Criterion suite as one test; a person wants the tests in
it. For each suite this reads Criterion's synthesis line (or our shell
tests' "N passed, N failed" line), prints one row per suite and build,
shows the output of failures, and ends with "N passed, N failed, N
skipped". Exits non-zero if anything failed.
"""
import json
import re
import sys

CRITERION = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| "
                       r"Crashing: (\d+)")
PLAIN = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", re.M)
SKIPPED = re.compile(r"\[SKIP\]")


def output(entry):
    return (entry.get("stdout") or "") + (entry.get("stderr") or "")


def counts(entry):
    out = output(entry)
    m = CRITERION.search(out)
    if m:
        tested, passing, failing, crashing = map(int, m.groups())
        skipped = len(SKIPPED.findall(out))
        return passing, failing + crashing, skipped
    m = PLAIN.search(out)
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    ok = entry["result"] in ("OK", "EXPECTEDFAIL")
    skip = entry["result"] == "SKIP"
    return (1 if ok else 0), (0 if ok or skip else 1), (1 if skip else 0)


def main(paths):
    total = [0, 0, 0]
    failed_logs = []
    for path in paths:
        build = path.split("/")[0]
        if not path.endswith(".json"):
            p, fl, s = counts({"stdout": open(path).read(), "result": "OK"})
            total = [total[0] + p, total[1] + fl, total[2] + s]
            print(f"{build:16} {'libFuzzer targets':22} {'OK' if not fl else 'FAIL':8} "
                  f"passed {p:4}  failed {fl:3}  skipped {s:3}")
            continue
        with open(path) as f:
            for line in f:
                e = json.loads(line)
                p, fl, s = counts(e)
                if e["result"] not in ("OK", "SKIP", "EXPECTEDFAIL"):
                    fl = max(fl, 1)
                    failed_logs.append((build, e))
                total[0] += p
                total[1] += fl
                total[2] += s
                print(f"{build:16} {e['name']:22} {e['result']:8} "
                      f"passed {p:4}  failed {fl:3}  skipped {s:3}  {e['duration']:6.1f}s")
    for build, e in failed_logs:
        print(f"\n==== {build}: {e['name']} ({e['result']}) ====")
        print(output(e)[-6000:])
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
