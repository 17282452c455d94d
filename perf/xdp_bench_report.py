#!/usr/bin/env python3
"""xdp_bench_report.py — the report of perf/xdp_bench.sh.

Reads the run records (runs.jsonl: one line per contender, load and round,
with the receiver's own output beside it), computes for each run what was
delivered, the rates and the CPU time per delivered packet (the receiving
process's, and the whole system's less the background), takes the median
over the rounds, and prints a table per load and the ratios against the
goals, or all of it as JSON.
"""
import argparse
import json
import os
import re
import statistics
import sys

GOAL_RATE = 1.8  # xdp-xs delivered rate over the kernel's
GOAL_CPU_HALF = 0.5  # ... or the same rate at under half the CPU per packet
GOAL_CAPTURE_CPU = 0.6  # capture-xdp process CPU/packet over tcpdump's
GOAL_BARE = 1.10  # xdp-xs process CPU/packet over xsk-bare's
GEN_LIMITED_LOSS = 0.01  # a contender that lost less than this kept up

ORDER = ["kernel-raw", "kernel-xs", "xdp-xs", "xsk-bare", "xsk-bare-copy",
         "kernel-raw+nap", "kernel-xs+nap", "xdp-xs+nap", "xsk-bare+nap",
         "tcpdump", "capture-xdp", "xdp-drop"]


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tcpdump_summary(path):
    out = {}
    try:
        text = open(path).read()
    except OSError:
        return None
    for key, pat in (("captured", r"(\d+) packets captured"),
                     ("dropped", r"(\d+) packets dropped by kernel")):
        m = re.search(pat, text)
        if m:
            out[key] = int(m.group(1))
    return out if "captured" in out else None


def cpu_stat(path):
    """The per-CPU lines of a /proc/stat copy: {cpu: [user, nice, system,
    idle, iowait, irq, softirq, steal]} in USER_HZ ticks."""
    cpus = {}
    with open(path) as f:
        for line in f:
            if line.startswith("cpu"):
                name, *vals = line.split()
                cpus[name] = [int(v) for v in vals[:8]]
    return cpus


def busy_of(vals):
    user, nice, system, _idle, _iowait, irq, softirq, _steal = vals
    return user + nice + system + irq + softirq


def cpu_delta(rec):
    """Busy seconds of the whole system over the flood, and per CPU the
    user, system and softirq seconds."""
    a, b = (cpu_stat(p) for p in rec["stat"])
    hz = rec["user_hz"]
    per_cpu = {}
    for name in b:
        if name == "cpu":
            continue
        d = [y - x for x, y in zip(a[name], b[name])]
        per_cpu[name] = {"user_s": (d[0] + d[1]) / hz, "system_s": d[2] / hz,
                         "softirq_s": (d[5] + d[6]) / hz, "busy_s": busy_of(d) / hz}
    total = busy_of([y - x for x, y in zip(a["cpu"], b["cpu"])]) / hz
    return total, per_cpu


def analyse(rec, base):
    """The figures of one run, or None when the receiver said nothing."""
    for key in ("out", "err", "gen"):
        rec[key] = os.path.join(base, rec[key])
    rec["stat"] = [os.path.join(base, p) for p in rec["stat"]]
    rec["busy_s"], rec["per_cpu"] = cpu_delta(rec)
    r = dict(rec)
    sent, gen_s = rec["sent"], rec["gen_s"]
    r["net_busy_s"] = max(rec["busy_s"] - rec["bg_busy_per_s"] * rec["window_s"], 0.0)
    gen_cpu = rec["gen_cpu_s"] or 0.0
    r["offered_pps"] = sent / gen_s if gen_s > 0 else 0.0
    r["delivered"] = None
    if rec["kind"] == "sink":
        out = load_json(rec["out"])
        if not out:
            return None
        r["receiver"] = out
        r["delivered"] = out["packets"]
        r["rx_pps"] = out["pps"]
        r["proc_ns"] = out["cpu_ns_per_packet"]
        r["drops_reported"] = out.get("counters", {})
    elif rec["contender"] == "tcpdump":
        out = tcpdump_summary(rec["err"])
        if not out:
            return None
        r["receiver"] = out
        r["delivered"] = out["captured"]
        r["drops_reported"] = {"dropped_by_kernel": out.get("dropped")}
    elif rec["kind"] == "capture":
        out = load_json(rec["out"])
        if not out:
            return None
        r["receiver"] = out
        r["delivered"] = out["captured"]
        r["drops_reported"] = {"dropped": out.get("dropped")}
    if r["delivered"] is None:  # the floor: per frame sent
        r["stat_ns"] = r["net_busy_s"] * 1e9 / sent if sent else None
        r["gen_ns"] = gen_cpu * 1e9 / sent if sent else None
        r["sys_cpu_s"] = gen_cpu + rec["kthreads_cpu_s"]
        r["sys_ns"] = r["sys_cpu_s"] * 1e9 / sent if sent else None
        return r
    d = r["delivered"]
    # A capture also sees the odd frame that is not the flood's (ARP).
    r["lost"] = max(sent - d, 0)
    if rec["kind"] != "sink":
        r["rx_pps"] = d / gen_s if gen_s > 0 else 0.0
        r["proc_ns"] = rec["proc_cpu_s"] * 1e9 / d if d else None
        proc_cpu = rec["proc_cpu_s"]
    else:  # the receiver's own getrusage, first to last packet
        proc_cpu = r["receiver"]["cpu_user_s"] + r["receiver"]["cpu_sys_s"]
    r["stat_ns"] = r["net_busy_s"] * 1e9 / d if d else None
    r["gen_ns"] = gen_cpu * 1e9 / d if d else None
    r["sys_cpu_s"] = gen_cpu + proc_cpu + rec["kthreads_cpu_s"]
    r["sys_ns"] = r["sys_cpu_s"] * 1e9 / d if d else None
    return r


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs):
    """Medians over the rounds, per load and contender."""
    summary = {}
    for r in runs:
        summary.setdefault(r["load"], {}).setdefault(r["contender"], []).append(r)
    out = {}
    for load, by_name in summary.items():
        out[load] = {}
        floor = median([r["sys_ns"] for r in by_name.get("xdp-drop", [])])
        for name, rs in by_name.items():
            m = {"rounds": len(rs)}
            for key in ("sent", "delivered", "lost", "offered_pps", "rx_pps", "proc_ns",
                        "gen_ns", "sys_ns", "stat_ns", "bg_busy_per_s"):
                m[key] = median([r.get(key) for r in rs])
            if floor is not None and rs[0]["kind"] != "floor" and m["sys_ns"]:
                above = [(r["sys_cpu_s"] - floor * r["sent"] / 1e9) * 1e9 / r["delivered"]
                         for r in rs if r.get("delivered")]
                m["above_floor_ns"] = median(above)
            out[load][name] = m
    return out


def ratio(a, b):
    return a / b if a is not None and b else None


def goals(summary):
    found = []

    def add(goal, load, what, value, limit, cmp, detail=""):
        met = None if value is None else (value >= limit if cmp == ">=" else value <= limit)
        found.append({"goal": goal, "load": load, "what": what, "ratio": value,
                      "limit": f"{cmp} {limit}", "met": met, "detail": detail})

    for load, s in summary.items():
        for sfx in ("", "+nap"):
            x, k, raw = s.get("xdp-xs" + sfx), s.get("kernel-xs" + sfx), s.get("kernel-raw" + sfx)
            if x and k:
                rate = ratio(x["rx_pps"], k["rx_pps"])
                kept_up = x["lost"] is not None and x["sent"] and \
                    x["lost"] / x["sent"] < GEN_LIMITED_LOSS
                add(1, load, f"rate xdp-xs{sfx} / kernel-xs{sfx}", rate, GOAL_RATE, ">=",
                    "delivered packets/s, first to last packet")
                add(1, load, f"system CPU/pkt xdp-xs{sfx} / kernel-xs{sfx}",
                    ratio(x["sys_ns"], k["sys_ns"]), GOAL_CPU_HALF, "<=",
                    "the goal when the generator is the limit" +
                    ("" if kept_up else "; xdp-xs lost packets: not generator-limited"))
                add(1, load, f"above-floor CPU/pkt xdp-xs{sfx} / kernel-xs{sfx}",
                    ratio(x.get("above_floor_ns"), k.get("above_floor_ns")), GOAL_CPU_HALF,
                    "<=", "for reference: the generator's own cost left out")
                add(1, load, f"process CPU/pkt xdp-xs{sfx} / kernel-xs{sfx}",
                    ratio(x["proc_ns"], k["proc_ns"]), GOAL_CPU_HALF, "<=",
                    "for reference: the kernel's receive work is not in its process")
            if x and raw:
                add(1, load, f"rate xdp-xs{sfx} / kernel-raw{sfx}",
                    ratio(x["rx_pps"], raw["rx_pps"]), GOAL_RATE, ">=",
                    "against plain recvfrom()")
                add(1, load, f"system CPU/pkt xdp-xs{sfx} / kernel-raw{sfx}",
                    ratio(x["sys_ns"], raw["sys_ns"]), GOAL_CPU_HALF, "<=")
        c, t = s.get("capture-xdp"), s.get("tcpdump")
        if c and t:
            add(2, load, "lost capture-xdp - tcpdump",
                None if c["lost"] is None or t["lost"] is None else c["lost"] - t["lost"],
                0, "<=", f"capture-xdp lost {c['lost']:.0f}, tcpdump {t['lost']:.0f} of "
                f"{c['sent']:.0f} (median of rounds)")
            add(2, load, "process CPU/pkt capture-xdp / tcpdump",
                ratio(c["proc_ns"], t["proc_ns"]), GOAL_CAPTURE_CPU, "<=")
            add(2, load, "system CPU/pkt capture-xdp / tcpdump",
                ratio(c["sys_ns"], t["sys_ns"]), GOAL_CAPTURE_CPU, "<=",
                "for reference: tcpdump's copies run in softirq, outside its process")
        for sfx in ("+nap", ""):
            x, b = s.get("xdp-xs" + sfx), s.get("xsk-bare" + sfx)
            if x and b:
                add(3, load, f"process CPU/pkt xdp-xs{sfx} / xsk-bare{sfx}",
                    ratio(x["proc_ns"], b["proc_ns"]), GOAL_BARE, "<=",
                    "the goal: both wake at one rate" if sfx else
                    "for reference: each sleeps until the next packet")
                add(3, load, f"system CPU/pkt xdp-xs{sfx} / xsk-bare{sfx}",
                    ratio(x["sys_ns"], b["sys_ns"]), GOAL_BARE, "<=", "for reference")
        x, bc = s.get("xdp-xs"), s.get("xsk-bare-copy")
        if x and bc:
            add(3, load, "process CPU/pkt xdp-xs / xsk-bare-copy",
                ratio(x["proc_ns"], bc["proc_ns"]), GOAL_BARE, "<=",
                "for reference: a bare loop that copies each frame out")
    return found


def fmt(v, spec=".0f", none="-"):
    return none if v is None else format(v, spec)


def print_table(load, s, args):
    what = f"{args.packets} frames, trafgen TX_RING at full speed" if load == "full" else \
        f"{args.paced_packets} frames, {args.paced}"
    print(f"\n{load} load ({what}); medians of rounds")
    head = ["contender", "sent", "delivered", "lost", "offered pps", "rx pps",
            "proc ns/pkt", "gen ns/pkt", "sys ns/pkt", "above floor", "stat ns/pkt", "bg CPU"]
    rows = [head]
    for name in ORDER:
        m = s.get(name)
        if not m:
            continue
        rows.append([name, fmt(m["sent"]), fmt(m["delivered"]), fmt(m["lost"]),
                     fmt(m["offered_pps"]), fmt(m["rx_pps"]), fmt(m["proc_ns"]),
                     fmt(m["gen_ns"]), fmt(m["sys_ns"]), fmt(m.get("above_floor_ns")),
                     fmt(m["stat_ns"]),
                     fmt(m["bg_busy_per_s"] * 100, ".0f") + " %"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))


def print_goals(found):
    print("\ngoals (ratios of the medians)")
    for g in found:
        verdict = "n/a" if g["met"] is None else ("met" if g["met"] else "MISSED")
        val = fmt(g["ratio"], ".3f") if g["goal"] != 2 or "lost" not in g["what"] \
            else fmt(g["ratio"], ".0f")
        line = f"  {g['goal']}  {g['load']:5}  {g['what']:42} {val:>9}  goal {g['limit']:7} {verdict}"
        print(line + (f"  ({g['detail']})" if g["detail"] else ""))


NOTES = """
offered pps: frames sent over trafgen's run time (its start-up included).
rx pps: packets delivered over the time from the first to the last (captures:
  over trafgen's run time).
proc ns/pkt: CPU time (user + system) of the receiving process per delivered
  packet (udp_sink/xsk_bare: getrusage, first to last packet; captures:
  /proc/PID/schedstat over the flood).
gen ns/pkt: CPU time of trafgen (its rusage) per delivered packet: the
  generator, and the kernel's receive work done in softirq in its context.
sys ns/pkt: the system's CPU time per delivered packet: trafgen + the
  receiving process + the kernel threads (ksoftirqd, kworkers) over the
  flood. Precise task times; other processes on the machine are not in it.
above floor: sys ns/pkt less what the xdp-drop run costs per frame sent
  (generator + veth + an XDP_DROP program): what receiving adds.
stat ns/pkt: /proc/stat busy time of all CPUs over the flood, less the
  background, per delivered packet. Sampled by the 250 Hz tick: it
  undercounts tasks that sleep and wake on timers (+nap, trafgen -t).
+nap: the receiver sleeps {nap} us whenever it finds nothing (rx_meter.h).
bg CPU: the background load before the run (other processes), in CPUs."""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--packets", type=int, default=0)
    ap.add_argument("--paced-packets", type=int, default=0)
    ap.add_argument("--paced", default="")
    ap.add_argument("--nap", type=int, default=0)
    args = ap.parse_args()
    runs, failed = [], []
    with open(args.runs) as f:
        for line in f:
            rec = json.loads(line)
            r = analyse(rec, os.path.dirname(os.path.abspath(args.runs)))
            (runs if r else failed).append(r or rec)
    summary = summarise(runs)
    found = goals(summary)
    if args.json:
        json.dump({"packets": args.packets, "paced_packets": args.paced_packets,
                   "paced": args.paced, "nap_us": args.nap, "runs": runs, "failed": failed,
                   "summary": summary, "goals": found}, sys.stdout, indent=2)
        print()
        return
    for load in ("full", "paced"):
        if load in summary:
            print_table(load, summary[load], args)
    print_goals(found)
    if failed:
        print(f"\n{len(failed)} run(s) gave no report:",
              ", ".join(f"{r['load']}/{r['contender']}/{r['round']}" for r in failed))
    print(NOTES.replace("{nap}", str(args.nap)))


if __name__ == "__main__":
    main()
