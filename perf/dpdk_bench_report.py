#!/usr/bin/env python3
"""dpdk_bench_report.py — the report of perf/dpdk_bench.sh.

Reads the manifest the script wrote (one line per run: part, case, mode,
round, the prefix of its output files beside the manifest, the CPUs busy
before it, those the rest of the machine used during it (memif), its
status), parses what each run left (testpmd's `show port stats all`, the
JSON of `xsocket echo`), takes the median over the rounds, and prints a
table and the ratios against the goals, or the same as JSON. It measures
nothing itself: `perf/dpdk_bench_report.py DIR/manifest` reads again the
outputs that `dpdk_bench.sh --keep DIR` kept (the run's settings are in
DIR/settings).
"""
import argparse
import json
import os
import re
import statistics
import sys

MEMIF_CASES = ("testpmd", "xsocket")
VETH_CASES = (("kernel", "kernel", "kernel"), ("dpdk", "dpdk", "dpdk"), ("mixed", "kernel", "dpdk"))
VETH_MODES = ("flood", "rate")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def read_json(path):
    text = read(path).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def num(pattern, text):
    m = re.search(pattern, text)
    return int(m.group(1)) if m else None


def parse_generator(prefix):
    """The two `show port stats all` snapshots and the forward statistics."""
    text = read(prefix + ".gen.out")
    blocks = text.split("NIC statistics for port 0")[1:]
    if len(blocks) < 2:
        return {"error": "fewer than two statistics snapshots from the generator"}
    rx0 = num(r"RX-packets:\s+(\d+)", blocks[0])
    rx1 = num(r"RX-packets:\s+(\d+)", blocks[1])
    tx1 = num(r"TX-packets:\s+(\d+)", blocks[1])
    pps = num(r"Rx-pps:\s+(\d+)", blocks[1])
    fwd = text.split("Forward statistics for port 0")
    dropped = num(r"TX-dropped:\s+(\d+)", fwd[1]) if len(fwd) > 1 else None
    if pps is None or rx0 is None or rx1 is None:
        return {"error": "unreadable statistics from the generator"}
    return {
        "echoed_pps": pps,
        "echoed": rx1 - rx0,
        "in_flight_end": (tx1 - rx1) if tx1 is not None else None,
        "gen_tx_dropped": dropped,
    }


def parse_memif(prefix, case):
    r = parse_generator(prefix)
    if case == "xsocket":
        srv = read_json(prefix + ".echo.json")
        if srv:
            r["server_messages"] = srv.get("messages")
            r["server_dropped_queue_full"] = srv.get("dropped_queue_full")
    return r


def parse_veth(prefix):
    cl = read_json(prefix + ".client.json")
    if not cl:
        return {"error": "no report from the client"}
    rtt = cl.get("rtt_us") or {}
    return {
        "msgs_per_s": cl.get("msgs_per_s"),
        "p50_us": rtt.get("p50"),
        "p99_us": rtt.get("p99"),
        "sent": cl.get("sent"),
        "lost": cl.get("lost"),
    }


def median(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None and "error" not in r]
    vals = [v for v in vals if v == v]  # no NaN
    return statistics.median(vals) if vals else None


def load(manifest):
    runs = {}
    here = os.path.dirname(os.path.abspath(manifest))
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            part, case, mode, rnd, name, busy, others, status = line.rstrip("\n").split("\t", 7)
            prefix = os.path.join(here, name)
            if part == "memif":
                r = parse_memif(prefix, case)
            else:
                r = parse_veth(prefix)
            if status != "ok":
                r["error"] = status
            r["round"] = int(rnd)
            r["busy_before"] = float(busy) if busy else None
            r["others_during"] = float(others) if others else None
            runs.setdefault((part, case, mode), []).append(r)
    return runs


def ratio(a, b):
    return a / b if a is not None and b else None


def round_ratios(xs_runs, ref_runs):
    ref = {r["round"]: r.get("echoed_pps") for r in ref_runs if "error" not in r}
    return [ratio(r.get("echoed_pps"), ref.get(r["round"])) for r in xs_runs
            if "error" not in r and ratio(r.get("echoed_pps"), ref.get(r["round"])) is not None]


def goal(name, value, limit, above):
    met = None if value is None else (value >= limit if above else value <= limit)
    return {"goal": name, "ratio": value, "limit": ("≥ " if above else "≤ ") + str(limit),
            "met": met}


def summarize(runs, args):
    out = {"settings": vars(args).copy(), "memif": {}, "veth": {}, "goals": []}
    del out["settings"]["manifest"]
    del out["settings"]["json"]
    for case in MEMIF_CASES:
        rs = runs.get(("memif", case, "-"))
        if rs:
            out["memif"][case] = {
                "echoed_pps": median(rs, "echoed_pps"),
                "runs": rs,
            }
    for case, client, server in VETH_CASES:
        for mode in VETH_MODES:
            rs = runs.get(("veth", case, mode))
            if rs:
                out["veth"].setdefault(case, {"client": client, "server": server})[mode] = {
                    "msgs_per_s": median(rs, "msgs_per_s"),
                    "p50_us": median(rs, "p50_us"),
                    "p99_us": median(rs, "p99_us"),
                    "runs": rs,
                }
    m = out["memif"]
    if m:
        out["goals"].append(goal("memif: xsocket echo rate / testpmd macswap's",
                                 ratio(m.get("xsocket", {}).get("echoed_pps"),
                                       m.get("testpmd", {}).get("echoed_pps")), 0.5, True))
        # The same, round by round (each round runs both, back to back):
        # steadier when the machine's speed drifts between rounds.
        per = round_ratios(m.get("xsocket", {}).get("runs", []),
                           m.get("testpmd", {}).get("runs", []))
        m["round_ratios"] = per
        out["goals"].append(goal("memif: the same, median of the rounds' ratios",
                                 statistics.median(per) if per else None, 0.5, True))
    v = out["veth"]
    k = v.get("kernel", {})
    for case in ("dpdk", "mixed"):
        if case not in v:
            continue
        c = v[case]
        out["goals"].append(goal(
            f"veth {case}: p50 round trip at {args.rate}/s, {case} / kernel",
            ratio(c.get("rate", {}).get("p50_us"), k.get("rate", {}).get("p50_us")), 0.5, False))
        out["goals"].append(goal(
            f"veth {case}: echo rate (--flood), {case} / kernel",
            ratio(c.get("flood", {}).get("msgs_per_s"), k.get("flood", {}).get("msgs_per_s")),
            1.5, True))
    return out


def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def errors(runs, quiet):
    notes = [f"round {r['round']}: {r['error']}" for r in runs if "error" in r]
    notes += [f"round {r['round']}: {r['busy_before']:.2f} CPUs busy before it" for r in runs
              if (r.get("busy_before") or 0) >= quiet]
    notes += [f"round {r['round']}: others used {r['others_during']:.2f} CPUs during it"
              for r in runs if (r.get("others_during") or 0) >= quiet]
    return "; ".join(notes)


def text(out):
    s = out["settings"]
    print(f"dpdk echo benchmarks: {s['cpus']} CPUs, {s['duration']} s measured per run, "
          f"{s['rounds']} round(s), medians")
    if out["memif"]:
        print(f"\nmemif: one net_memif link, 64-byte frames, {32 * s['window']} in flight "
              f"(generator: testpmd, txonly's frames then 5tswap; {s['warmup']} s warm-up)")
        rows = [("ECHO SIDE", "ECHOED/S (GENERATOR RX)", "PER ROUND", "NOTES")]
        for case in MEMIF_CASES:
            c = out["memif"].get(case)
            if not c:
                continue
            per = " ".join(fmt(r.get("echoed_pps")) for r in c["runs"])
            rows.append((case, fmt(c["echoed_pps"]), per, errors(c["runs"], s["quiet"])))
        if out["memif"].get("round_ratios"):
            rows.append(("ratio", "", " ".join(fmt(v, 3) for v in out["memif"]["round_ratios"]),
                         "xsocket / testpmd, round by round"))
        table(rows)
    if out["veth"]:
        print(f"\nveth: the two-host testbed, 64-byte UDP messages one at a time; "
              f"round trips in µs")
        rows = [("CASE", "CLIENT", "SERVER", "FLOOD MSG/S", "FLOOD P50", f"P50 @{s['rate']}/s",
                 f"P99 @{s['rate']}/s", "NOTES")]
        for case, _, _ in VETH_CASES:
            c = out["veth"].get(case)
            if not c:
                continue
            fl, ra = c.get("flood", {}), c.get("rate", {})
            notes = "; ".join(e for e in (errors(fl.get("runs", []), s["quiet"]),
                                          errors(ra.get("runs", []), s["quiet"])) if e)
            rows.append((case, c["client"], c["server"], fmt(fl.get("msgs_per_s")),
                         fmt(fl.get("p50_us"), 1), fmt(ra.get("p50_us"), 1),
                         fmt(ra.get("p99_us"), 1), notes))
        table(rows)
    if out["goals"]:
        print("\ngoals")
        rows = [("GOAL", "RATIO", "LIMIT", "MET")]
        for g in out["goals"]:
            met = "-" if g["met"] is None else ("yes" if g["met"] else "no")
            rows.append((g["goal"], fmt(g["ratio"], 3), g["limit"], met))
        table(rows)


SETTINGS = {"duration": int, "warmup": int, "window": int, "rate": int, "rounds": int,
            "cpus": int, "quiet": float}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    path = os.path.join(os.path.dirname(os.path.abspath(args.manifest)), "settings")
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key in SETTINGS:
                setattr(args, key, SETTINGS[key](value))
    out = summarize(load(args.manifest), args)
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        print()
    else:
        text(out)


if __name__ == "__main__":
    main()
