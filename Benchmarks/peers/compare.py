"""Runs `studio load`, aiperf and guidellm against one simulator and compares them.

Every tool gets the same simulator schedule (model sim-ttft50-gap20-tok32: TTFT 50 ms,
a token every 20 ms, 32 tokens) under its own model name, so the simulator's ground
truth (GET /sim/requests?model=) can be taken per tool and level. The simulator runs
pinned to CPU 1, every tool pinned to CPU 0. Errors compare each tool's reported
percentiles with the same percentiles of the ground truth of the requests it measured
(warm-up requests, sent first, left out). CPU is user + system time of the tool's whole process tree (rusage of the
reaped children); peak RSS is the largest sum of RSS over the tree, sampled every 50 ms.
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, time, urllib.request

SCHEDULE = "sim-ttft50-gap20-tok32"
TOKENS = 32


def pct(values, p):
    """Linear-interpolated percentile (numpy's default), as in the studio."""
    v = sorted(values)
    if not v:
        return None
    rank = p / 100 * (len(v) - 1)
    lo = int(rank)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (rank - lo)


def tree(pid):
    """pid and its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_mb(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total / 2**20


def measured(cmd, env=None, log=None):
    """Runs cmd; returns (exit code, CPU seconds of the tree, peak tree RSS MB, seconds)."""
    before = os.times()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, rss_mb(tree(proc.pid)))
        time.sleep(0.05)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return proc.returncode, cpu, peak, time.monotonic() - started


def truth(base, model, warmup):
    with urllib.request.urlopen(f"{base}/sim/requests?model={model}") as r:
        rows = json.load(r)["requests"]
    rows.sort(key=lambda x: x["received_ns"])
    rows = rows[warmup:]
    done = [x for x in rows if x["completed"] and x["ttft_ms"] is not None]
    return rows, done


def find(obj, *names):
    """The first value under any of these keys, searching nested dicts."""
    if isinstance(obj, dict):
        for n in names:
            if n in obj:
                return obj[n]
        for v in obj.values():
            r = find(v, *names)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find(v, *names)
            if r is not None:
                return r
    return None


def run_studio(a, base, model, c, n, w, out):
    cmd = ["taskset", "-c", "0", a.studio, "load", "--provider", "openai", "--base-url", base + "/v1", "--model", model,
           "--concurrency", str(c), "--requests", str(n), "--warmup", str(w), "--max-tokens", str(TOKENS), "--json"]
    with open(out + ".log", "w") as log, open(out, "w") as f:
        before = os.times(); started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=f, stderr=log)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, rss_mb(tree(proc.pid))); time.sleep(0.05)
        after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    doc = json.load(open(out))
    level = doc["levels"][0]
    return {"code": proc.returncode, "cpu": cpu, "rss": peak, "ttft_p50": level["ttft_ms"]["p50"], "ttft_p99": level["ttft_ms"]["p99"],
            "itl_p50": level["itl_ms_per_request"]["p50"], "rate": level["achieved_rate"], "tok_s": level["output_tokens_per_s"],
            "ok": level["ok"], "lag_p99": level["dispatch_lag_ms"]["p99"], "client_limited": level["client_limited"]}


def run_aiperf(a, base, model, c, n, w, out):
    art = out + "-artifacts"
    shutil.rmtree(art, ignore_errors=True)
    cmd = ["taskset", "-c", "0", os.path.join(a.peers, "aiperf-venv/bin/aiperf"), "profile", "--model", model, "--url", base,
           "--endpoint-type", "chat", "--streaming", "--tokenizer", a.tokenizer, "--concurrency", str(c), "--request-count", str(n),
           "--warmup-request-count", str(w), "--synthetic-input-tokens-mean", "32", "--synthetic-input-tokens-stddev", "0",
           "--output-tokens-mean", str(TOKENS), "--output-tokens-stddev", "0", "--ui-type", "none", "--no-server-metrics",
           "--artifact-dir", art]
    with open(out + ".log", "w") as log:
        code, cpu, peak, _ = measured(cmd, log=log)
    path = None
    for root, _, files in os.walk(art):
        if "profile_export_aiperf.json" in files:
            path = os.path.join(root, "profile_export_aiperf.json")
    if code != 0 or not path:
        return {"code": code or 1, "cpu": cpu, "rss": peak}
    doc = json.load(open(path))
    ttft = find(doc, "time_to_first_token", "ttft") or {}
    itl = find(doc, "inter_token_latency", "itl") or {}
    rate = find(doc, "request_throughput") or {}
    tok = find(doc, "output_token_throughput") or {}
    count = find(doc, "request_count") or {}
    g = lambda m, k: m.get(k) if isinstance(m, dict) else None
    return {"code": code, "cpu": cpu, "rss": peak, "ttft_p50": g(ttft, "p50"), "ttft_p99": g(ttft, "p99"), "itl_p50": g(itl, "p50"),
            "rate": g(rate, "avg"), "tok_s": g(tok, "avg"), "ok": g(count, "avg")}


def run_guidellm(a, base, model, c, n, w, out):
    # guidellm 0.3.1 sends legacy text completions unless told to use chat completions.
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GUIDELLM__PREFERRED_ROUTE="chat_completions")
    cmd = ["taskset", "-c", "0", os.path.join(a.peers, "guidellm-venv/bin/guidellm"), "benchmark", "run", "--target", base,
           "--model", model, "--processor", a.tokenizer, "--data", f"prompt_tokens=32,output_tokens={TOKENS}",
           "--rate-type", "concurrent", "--rate", str(c), "--max-requests", str(n + w),
           "--warmup-percent", str(w / (n + w)), "--output-path", out, "--disable-progress"]
    with open(out + ".log", "w") as log:
        code, cpu, peak, _ = measured(cmd, env=env, log=log)
    if code != 0 or not os.path.exists(out):
        return {"code": code or 1, "cpu": cpu, "rss": peak}
    bench = json.load(open(out))["benchmarks"][0]
    m = bench["metrics"]
    def stat(name, key):
        s = (m.get(name) or {}).get("successful") or {}
        if key == "median":
            return s.get("median")
        return (s.get("percentiles") or {}).get(key)
    ok = (bench.get("request_totals") or {}).get("successful")
    return {"code": code, "cpu": cpu, "rss": peak, "ttft_p50": stat("time_to_first_token_ms", "median"),
            "ttft_p99": stat("time_to_first_token_ms", "p99"), "itl_p50": stat("inter_token_latency_ms", "median"),
            "rate": ((m.get("requests_per_second") or {}).get("successful") or {}).get("mean"),
            "tok_s": ((m.get("output_tokens_per_second") or {}).get("successful") or {}).get("mean"), "ok": ok}


def tokenizer(path, python):
    """A small local BPE tokenizer, so no tool reaches the hub."""
    if os.path.exists(os.path.join(path, "tokenizer.json")):
        return
    code = f"""
import glob
from tokenizers import Tokenizer, models, trainers, pre_tokenizers
from transformers import PreTrainedTokenizerFast
tok = Tokenizer(models.BPE(unk_token="[UNK]"))
tok.pre_tokenizer = pre_tokenizers.ByteLevel()
tok.train(glob.glob("docs/*.md"), trainers.BpeTrainer(vocab_size=2000, special_tokens=["[UNK]"]))
PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]").save_pretrained({path!r})
"""
    subprocess.run([python, "-c", code], check=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--studio", required=True)
    p.add_argument("--peers", required=True)
    p.add_argument("--levels", default="1,64,512")
    p.add_argument("--port", type=int, default=18731)
    p.add_argument("--quick", action="store_true", help="fewer requests per level")
    p.add_argument("--tools", default="studio,aiperf,guidellm", help="which tools to run (comma separated)")
    a = p.parse_args()
    a.tokenizer = os.path.abspath(os.path.join(a.peers, "tok"))
    tokenizer(a.tokenizer, os.path.join(a.peers, "aiperf-venv/bin/python"))
    out_dir = os.path.join(a.peers, "out")
    os.makedirs(out_dir, exist_ok=True)
    base = f"http://127.0.0.1:{a.port}"
    levels = [int(x) for x in a.levels.split(",")]
    tools = a.tools.split(",")
    listing = [arg for c in levels for t in tools for arg in ("--model", f"{SCHEDULE}-{t}{c}")]  # guidellm checks /v1/models
    sim = subprocess.Popen(["taskset", "-c", "1", a.studio, "simulate", "--port", str(a.port)] + listing,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/v1/models").read(); break
            except OSError:
                time.sleep(0.1)
        rows = []
        for c in levels:
            # Measured requests and warm-up: enough for p99 at c=1, a few rounds at higher c.
            n = (20 if a.quick else 60) if c == 1 else c * (2 if a.quick else 3)
            w = max(2, c) if c > 1 else 3
            for tool, fn in [(t, {"studio": run_studio, "aiperf": run_aiperf, "guidellm": run_guidellm}[t]) for t in tools]:
                model = f"{SCHEDULE}-{tool}{c}"
                print(f"c={c} {tool}: {n} requests after {w} warm-up…", file=sys.stderr, flush=True)
                r = fn(a, base, model, c, n, w, os.path.join(out_dir, f"{tool}-c{c}.json"))
                sent, done = truth(base, model, w)
                r.update(tool=tool, c=c, sent=len(sent) + w)
                if done and r.get("ttft_p50") is not None:
                    t = [x["ttft_ms"] for x in done]
                    # Each tool's per-request ITL against the ground truth in its own formula:
                    # guidellm (last token − first token) ÷ (n − 1); the studio (docs/measurement.md) and
                    # aiperf (E2E − TTFT) ÷ (n − 1), the stream's tail included.
                    if tool == "guidellm":
                        i = [x["itl_ms_mean"] for x in done if x["itl_ms_mean"] is not None]
                    else:
                        i = [(x["last_write_ns"] - x["first_token_ns"]) / 1e6 / (x["output_tokens"] - 1)
                             for x in done if x.get("last_write_ns") and x.get("first_token_ns") and x["output_tokens"] > 1]
                    r["ttft_err_p50"] = abs(r["ttft_p50"] - pct(t, 50))
                    r["ttft_err_p99"] = abs(r["ttft_p99"] - pct(t, 99)) if r.get("ttft_p99") is not None else None
                    r["itl_err_p50"] = abs(r["itl_p50"] - pct(i, 50)) if r.get("itl_p50") is not None and i else None
                    r["truth_tok_s"] = len(done) * TOKENS / max(1e-9, (max(x["received_ns"] for x in done) - min(x["received_ns"] for x in done)) / 1e9 + 0.67)
                rows.append(r)
        print_table(rows)
        json.dump(rows, open(os.path.join(out_dir, "summary.json"), "w"), indent=1)
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait()


def print_table(rows):
    def f(v, d=2):
        return "—" if v is None else f"{v:.{d}f}"
    head = ["c", "tool", "ok", "TTFT p50 err", "TTFT p99 err", "ITL p50 err", "req/s", "tok/s", "CPU-s/1k req", "peak RSS MB"]
    lines = [head]
    for r in rows:
        cpu_k = r["cpu"] / max(1, r["sent"]) * 1000
        r["cpu_per_1k"] = cpu_k
        lines.append([str(r["c"]), r["tool"] + ("" if r.get("code", 0) == 0 else f" (exit {r['code']})"), f(r.get("ok"), 0),
                      f(r.get("ttft_err_p50"), 4), f(r.get("ttft_err_p99"), 4), f(r.get("itl_err_p50"), 4), f(r.get("rate")),
                      f(r.get("tok_s"), 0), f(cpu_k, 3), f(r["rss"], 1)])
    widths = [max(len(l[i]) for l in lines) for i in range(len(head))]
    print("Against the simulator's ground truth (errors in ms, absolute); CPU and RSS of each tool's process tree")
    for l in lines:
        print("  ".join(x.ljust(widths[i]) for i, x in enumerate(l)))
    print("\nRatios peer / studio (above 1: the peer is worse; errors, CPU, RSS) and studio / peer for req/s:")
    for c in sorted({r["c"] for r in rows}):
        ours = next((r for r in rows if r["c"] == c and r["tool"] == "studio"), None)
        for r in rows:
            if r["c"] != c or r["tool"] == "studio" or ours is None:
                continue
            def ratio(k, inverse=False):
                x, y = r.get(k), ours.get(k)
                if x is None or y is None or (y if not inverse else x) == 0:
                    return "—"
                return f"×{(y / x) if inverse else (x / y):.1f}"
            print(f"c={c} {r['tool']}: TTFT p50 err {ratio('ttft_err_p50')}, TTFT p99 err {ratio('ttft_err_p99')}, "
                  f"ITL err {ratio('itl_err_p50')}, req/s {ratio('rate', inverse=True)}, CPU {ratio('cpu_per_1k')}, RSS {ratio('rss')}")


if __name__ == "__main__":
    main()
