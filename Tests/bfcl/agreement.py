"""Agreement of the studio's `bfcl` scorer with BFCL's own AST checker.

For every single-turn Python entry of the installed bfcl-eval package (data read in
place), model outputs are built from the ground truth — the correct answer and
mutations (wrong name, missing required, unexpected parameter, wrong type, int/float,
a normalized and a different string, reordered / missing / duplicated parallel calls,
a call on an irrelevance entry) — and scored by BFCL's checker (imported from the wheel)
and by `studio score --scorer bfcl`. Prints agreement per category, the disagreements,
and the studio's scoring throughput; exit 1 below the required agreement.

    python3 Tests/bfcl/agreement.py STUDIO_BIN [--minimum 99.5] [--limit N]
"""
import argparse
import copy
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import types

parser = argparse.ArgumentParser()
parser.add_argument("studio")
parser.add_argument("--minimum", type=float, default=99.5)
parser.add_argument("--limit", type=int, default=0, help="entries per category (0: all)")
args = parser.parse_args()

root = os.path.dirname(importlib.util.find_spec("bfcl_eval").origin)
data = os.path.join(root, "data")
# The checker imports the model registry only to map dotted names; our outputs keep the
# suite's names, so a registry that never rewrites them stands in (no provider SDKs needed).
class _NoRewrite(dict):
    def __missing__(self, key):
        return types.SimpleNamespace(underscore_to_dot=False)
sys.modules["bfcl_eval.constants.model_config"] = types.SimpleNamespace(MODEL_CONFIG_MAPPING=_NoRewrite())
from bfcl_eval.constants.enums import Language  # noqa: E402
from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker  # noqa: E402

CATEGORIES = ["simple_python", "multiple", "parallel", "parallel_multiple", "live_simple", "live_multiple",
              "live_parallel", "live_parallel_multiple", "irrelevance", "live_irrelevance"]


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def first_value(alternatives):
    for value in alternatives:
        if value != "":
            return value
    return None


def correct_calls(ground_truth):
    calls = []
    for call in ground_truth:
        (name, params), = call.items()
        arguments = {}
        for key, alternatives in params.items():
            value = first_value(alternatives)
            if value is not None:
                arguments[key] = value
        calls.append({"name": name, "arguments": arguments})
    return calls


def mutations(entry, calls):
    """(label, calls) pairs derived from the correct calls."""
    out = [("correct", calls)]
    first = calls[0]
    description = next((f for f in entry["function"] if f["name"] == first["name"]), entry["function"][0])
    required = description.get("parameters", {}).get("required", [])
    out.append(("wrong_name", [dict(first, name=first["name"] + "_x")] + calls[1:]))
    present = [p for p in required if p in first["arguments"]]
    if present:
        args_ = dict(first["arguments"]); del args_[present[0]]
        out.append(("missing_required", [dict(first, arguments=args_)] + calls[1:]))
    out.append(("unexpected_param", [dict(first, arguments=dict(first["arguments"], unexpected_param_x=1))] + calls[1:]))
    for key, value in first["arguments"].items():
        if isinstance(value, str):
            out.append(("wrong_type", [dict(first, arguments=dict(first["arguments"], **{key: 12345}))] + calls[1:]))
            out.append(("normalized_string", [dict(first, arguments=dict(first["arguments"], **{key: " " + value.upper() + " ."}))] + calls[1:]))
            out.append(("different_string", [dict(first, arguments=dict(first["arguments"], **{key: value + " zzz"}))] + calls[1:]))
            break
    for key, value in first["arguments"].items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            out.append(("int_as_float", [dict(first, arguments=dict(first["arguments"], **{key: float(value)}))] + calls[1:]))
            break
        if isinstance(value, float):
            out.append(("float_as_int", [dict(first, arguments=dict(first["arguments"], **{key: int(value)}))] + calls[1:]))
            break
    if len(calls) > 1:
        out.append(("reordered", list(reversed(calls))))
        out.append(("missing_call", calls[:-1]))
    out.append(("duplicated", calls + [copy.deepcopy(calls[-1])]))
    return out


def bfcl_verdict(category, entry, answer, calls):
    if "irrelevance" in category:
        return len(calls) == 0
    model_output = [{c["name"]: c["arguments"]} for c in calls]
    try:
        result = ast_checker(entry["function"], model_output, answer["ground_truth"], Language.PYTHON, category, "studio")
    except Exception as error:  # the reference crashing on an input counts as "not valid"
        return False
    return bool(result["valid"])


cases, outputs, expected = [], [], {}
for category in CATEGORIES:
    questions = read_lines(os.path.join(data, f"BFCL_v4_{category}.json"))
    answers_path = os.path.join(data, "possible_answer", f"BFCL_v4_{category}.json")
    answers = {a["id"]: a for a in read_lines(answers_path)} if os.path.exists(answers_path) else {}
    if args.limit:
        questions = questions[: args.limit]
    for entry in questions:
        if "function" not in entry:
            continue
        case = {"id": entry["id"], "category": category, "function": entry["function"], "ground_truth": []}
        if "irrelevance" in category:
            name = entry["function"][0]["name"] if entry["function"] else "any_tool"
            variants = [("no_call", []), ("a_call", [{"name": name, "arguments": {}}])]
            answer = None
        else:
            answer = answers[entry["id"]]
            case["ground_truth"] = answer["ground_truth"]
            variants = mutations(entry, correct_calls(answer["ground_truth"]))
        cases.append(case)
        for label, calls in variants:
            output_id = f"{entry['id']}#{label}"
            outputs.append({"id": output_id, "case_id": entry["id"], "calls": calls})
            expected[output_id] = (category, label, bfcl_verdict(category, entry, answer, calls))

work = tempfile.mkdtemp(prefix="bfcl-agreement-")
cases_file, outputs_file = os.path.join(work, "cases.jsonl"), os.path.join(work, "outputs.jsonl")
with open(cases_file, "w") as f:
    f.writelines(json.dumps(c) + "\n" for c in cases)
with open(outputs_file, "w") as f:
    f.writelines(json.dumps(o) + "\n" for o in outputs)
started = time.monotonic()
run = subprocess.run([args.studio, "score", "--scorer", "bfcl", "--cases", cases_file, "--outputs", outputs_file, "--json"],
                     capture_output=True, text=True)
elapsed = time.monotonic() - started
if run.returncode not in (0, 1):
    sys.exit(f"studio score failed: {run.stderr[-2000:]}")
ours = {}
for line in run.stdout.splitlines():
    row = json.loads(line)
    ours[row["id"]] = bool(row.get("passed"))

per_category = {}
disagreements = []
for output_id, (category, label, reference) in expected.items():
    mine = ours.get(output_id)
    agree = mine == reference
    total, same = per_category.get(category, (0, 0))
    per_category[category] = (total + 1, same + (1 if agree else 0))
    if not agree:
        disagreements.append((output_id, label, reference, mine))

total = sum(t for t, _ in per_category.values())
same = sum(s for _, s in per_category.values())
print(f"bfcl agreement: {same}/{total} = {100.0 * same / total:.2f}% over {len(cases)} entries "
      f"({len(outputs)} outputs); studio score: {len(outputs) / elapsed:.0f} outputs/s")
for category, (t, s) in per_category.items():
    print(f"  {category:24s} {s}/{t} = {100.0 * s / t:.2f}%")
by_label = {}
for output_id, (category, label, reference) in expected.items():
    passed, count = by_label.get(label, (0, 0))
    by_label[label] = (passed + (1 if reference else 0), count + 1)
print("  BFCL's verdicts by output kind (valid/total): " + ", ".join(f"{k} {p}/{c}" for k, (p, c) in sorted(by_label.items())))
for output_id, label, reference, mine in disagreements[:40]:
    print(f"  disagree {output_id}: BFCL {reference}, studio {mine}")
sys.exit(0 if 100.0 * same / total >= args.minimum else 1)
