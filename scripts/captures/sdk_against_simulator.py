#!/usr/bin/env python3
"""Runs the official SDKs against the studio's provider simulator, over real HTTP.

scripts/captures/sdk_check.py feeds recorded provider bytes to the SDKs; this script
checks the other direction: that the simulator (`studio simulate`, docs/simulator.md)
reads the requests the official SDKs really send, and answers with bytes those SDKs
read the way they read the real APIs — for each wire format: openai (Chat
Completions), anthropic (Messages) and google-genai (Gemini generateContent).

It starts `$STUDIO_BIN simulate --port 0` (default .build/debug/studio), runs every
case, stops the simulator (also on failure), prints a table SDK | case | result and
exits 1 if any case fails. A failing case prints the exchanges behind it: the request
body the SDK sent and the bytes the simulator answered. The Gemini cases always print
the request body, to show the casing the SDK puts on the wire.

Run it through scripts/captures/sdk-against-simulator, which makes the pinned venv.
  sdk_against_simulator.py [--only SUBSTRING] [--verbose]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import select
import subprocess
import sys
import time
import traceback
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

# The pinned SDKs speak httpx2 (the maintained httpx fork under its own import name);
# their `http_client` parameters only accept httpx2 clients.
import httpx2

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-test"
MODEL = "sim-ttft5-gap1-tok8"          # 8 tokens, first after 5 ms, then one per ms
TOOL_MODEL = "sim-ttft5-gap1-tok8-toolscall"
PROMPT = "Say something."
TOOL_PROMPT = "What is the weather in Paris for 3 days?"
WANT_ARGS = {"city": "Paris", "days": 3}
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "days": {"type": "integer", "description": "Number of days"},
    },
    "required": ["city", "days"],
}

# Environment that would steer an SDK elsewhere (base URL, backend, credentials).
for var in list(os.environ):
    if var.startswith(("OPENAI_", "ANTHROPIC_", "GOOGLE_", "GEMINI_")):
        del os.environ[var]

warnings.filterwarnings("ignore")
logging.getLogger("google_genai").setLevel(logging.ERROR)  # "AFC in generate_content is not recommended"


def version(dist: str) -> str:
    return f"{dist} {metadata.version(dist)}"


class Failed(Exception):
    """A check of a case did not hold; the message says which and how."""


def check(cond: bool, message: str) -> None:
    if not cond:
        raise Failed(message)


def short(value: Any, width: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


# ----------------------------------------------------------------------------- simulator


class Simulator:
    """`studio simulate --port 0`, started and stopped by this script."""

    def __init__(self, binary: Path):
        self.binary = binary
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, wait_binary_s: float = 300.0, wait_line_s: float = 30.0) -> str:
        # The binary may be being rebuilt: wait for it to (re)appear.
        deadline = time.monotonic() + wait_binary_s
        told = False
        while not (self.binary.is_file() and os.access(self.binary, os.X_OK)):
            if not told:
                print(f"waiting up to {wait_binary_s:.0f} s for {self.binary} (being rebuilt?)", file=sys.stderr)
                told = True
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.binary} does not exist (set STUDIO_BIN)")
            time.sleep(1)
        self.proc = subprocess.Popen(
            [str(self.binary), "simulate", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + wait_line_s
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None else ""
                raise RuntimeError(f"simulator did not announce its port: {line!r} {err.strip()}")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                byte = os.read(self.proc.stdout.fileno(), 1)
                if not byte:
                    continue
                line += byte
        text = line.decode().strip()
        prefix = "simulator listening on "
        if not text.startswith(prefix):
            raise RuntimeError(f"unexpected first line from the simulator: {text!r}")
        self.url = text[len(prefix):].rstrip("/")
        return self.url

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


# ----------------------------------------------------------------------------- recorder


class Exchange:
    def __init__(self, request: httpx2.Request):
        self.method = request.method
        self.url = str(request.url)
        try:
            self.request_body = request.read()
        except Exception:  # noqa: BLE001 - a streamed upload: not our SDK calls
            self.request_body = b"<streamed>"
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.response_body = bytearray()

    def request_json(self) -> Any:
        try:
            return json.loads(self.request_body)
        except ValueError:
            return self.request_body.decode(errors="replace")

    def dump(self, width: int = 4000) -> str:
        body = self.response_body.decode(errors="replace")
        if len(body) > width:
            body = body[:width] + f"… ({len(self.response_body)} bytes)"
        req = json.dumps(self.request_json(), ensure_ascii=False)
        sim_id = self.response_headers.get("x-sim-request-id", "-")
        return (
            f"    > {self.method} {self.url}\n"
            f"    > {req}\n"
            f"    < {self.status} x-sim-request-id={sim_id} "
            f"content-type={self.response_headers.get('content-type', '-')}\n"
            + "".join(f"    < {line}\n" for line in body.splitlines() or [""])
        )


class TeeStream(httpx2.SyncByteStream):
    """The response body as the SDK reads it, copied into the exchange."""

    def __init__(self, inner: httpx2.SyncByteStream, exchange: Exchange):
        self.inner = inner
        self.exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.exchange.response_body += chunk
            yield chunk

    def close(self) -> None:
        self.inner.close()


class Recorder:
    """An httpx2 client for an SDK: real HTTP, with every exchange kept.

    Requests are captured with an httpx2 `request` event hook (the body exactly as the
    SDK serialised it); response bytes with a transport that tees the body stream, so
    streaming still streams.
    """

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._by_request: dict[int, Exchange] = {}
        recorder = self

        class TeeTransport(httpx2.HTTPTransport):
            def handle_request(self, request: httpx2.Request) -> httpx2.Response:
                response = super().handle_request(request)
                ex = recorder._by_request.get(id(request)) or recorder._hook(request)
                ex.status = response.status_code
                ex.response_headers = {k.lower(): v for k, v in response.headers.items()}
                return httpx2.Response(
                    status_code=response.status_code,
                    headers=response.headers,
                    stream=TeeStream(response.stream, ex),  # type: ignore[arg-type]
                    extensions=response.extensions,
                )

        self.transport = TeeTransport()

    def _hook(self, request: httpx2.Request) -> Exchange:
        ex = Exchange(request)
        self._by_request[id(request)] = ex
        self.exchanges.append(ex)
        return ex

    def client_args(self) -> dict[str, Any]:
        return {
            "transport": self.transport,
            "event_hooks": {"request": [self._hook]},
            "timeout": 30.0,
        }

    def client(self) -> httpx2.Client:
        return httpx2.Client(**self.client_args())

    def mark(self) -> int:
        return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        return self.exchanges[mark:]


# --------------------------------------------------------------------------------- cases


class Case:
    def __init__(self, sdk: str, name: str, fn: Callable[[], str | None], always_show_request: bool = False):
        self.sdk = sdk
        self.name = name
        self.fn = fn
        self.always_show_request = always_show_request
        self.ok = False
        self.detail = ""
        self.exchanges: list[Exchange] = []


def sse_data(body: bytes) -> list[Any]:
    """The JSON payloads of an SSE body's `data:` lines (non-JSON kept as strings)."""
    out = []
    for line in body.decode(errors="replace").splitlines():
        if line.startswith("data:"):
            data = line[5:].strip()
            try:
                out.append(json.loads(data))
            except ValueError:
                out.append(data)
    return out


def parse_args(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise Failed(f"arguments are not JSON: {raw!r} ({exc})") from exc
    return raw


def want_args(args: Any, where: str) -> None:
    check(args == WANT_ARGS, f"{where}: arguments {short(args)} != {short(WANT_ARGS)}")


# ------------------------------------------------------------------------------- openai


def openai_cases(url: str, rec: Recorder) -> list[Case]:
    from openai import OpenAI
    from openai.lib.streaming.chat import ChatCompletionStreamState

    client = OpenAI(api_key=API_KEY, base_url=f"{url}/v1", http_client=rec.client(), max_retries=0)
    messages = [{"role": "user", "content": PROMPT}]
    tool_messages = [{"role": "user", "content": TOOL_PROMPT}]
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather forecast for a city",
                "parameters": WEATHER_SCHEMA,
            },
        }
    ]
    reference: dict[str, str] = {}

    def text_nonstream() -> str:
        c = client.chat.completions.create(model=MODEL, messages=messages)
        check(len(c.choices) == 1, f"{len(c.choices)} choices")
        msg = c.choices[0].message
        check(isinstance(msg.content, str) and msg.content != "", f"content {msg.content!r}")
        check(c.choices[0].finish_reason == "stop", f"finish_reason {c.choices[0].finish_reason!r}")
        check(c.usage is not None, "no usage in the completion")
        check(c.usage.completion_tokens == 8, f"usage.completion_tokens {c.usage.completion_tokens} != 8 (tok8)")
        reference["text"] = msg.content
        return f"{msg.content!r}; usage {c.usage.prompt_tokens}+{c.usage.completion_tokens}"

    def stream_chunks(**extra: Any) -> list[Any]:
        return list(client.chat.completions.create(model=MODEL, messages=messages, stream=True, **extra))

    def assemble_text(chunks: list[Any]) -> tuple[str, Any]:
        text, finish = "", None
        for ch in chunks:
            for choice in ch.choices:
                text += choice.delta.content or ""
                finish = choice.finish_reason or finish
        return text, finish

    def text_stream_no_usage() -> str:
        m = rec.mark()
        chunks = stream_chunks()
        text, finish = assemble_text(chunks)
        check(text != "", "no text streamed")
        if "text" in reference:
            check(text == reference["text"], f"streamed {text!r} != non-streamed {reference['text']!r}")
        check(finish == "stop", f"finish_reason {finish!r}")
        with_usage = [i for i, ch in enumerate(chunks) if ch.usage is not None]
        raw = [d for ex in rec.since(m) for d in sse_data(bytes(ex.response_body))
               if isinstance(d, dict) and d.get("usage") is not None]
        check(
            not with_usage,
            f"request had no stream_options, yet chunk #{with_usage[0] if with_usage else '?'} of "
            f"{len(chunks)} carries usage; on the wire: {short(raw[-1] if raw else None, 220)} "
            "(the real API sends a usage chunk only with stream_options.include_usage=true)",
        )
        empty = [i for i, ch in enumerate(chunks) if not ch.choices]
        check(not empty, f"chunk #{empty[0] if empty else '?'} has empty choices without include_usage")
        return f"{len(chunks)} chunks, none with usage; {text!r}"

    def text_stream_include_usage() -> str:
        chunks = stream_chunks(stream_options={"include_usage": True})
        text, finish = assemble_text(chunks)
        check(text != "", "no text streamed")
        check(finish == "stop", f"finish_reason {finish!r}")
        check(bool(chunks), "no chunks")
        last = chunks[-1]
        check(last.usage is not None, f"last chunk has no usage: {short(last.model_dump(), 200)}")
        check(last.choices == [], f"usage chunk has choices {short([c.model_dump() for c in last.choices])}")
        check(last.usage.completion_tokens == 8, f"usage.completion_tokens {last.usage.completion_tokens} != 8")
        earlier = [i for i, ch in enumerate(chunks[:-1]) if ch.usage is not None]
        check(not earlier, f"usage also on earlier chunks {earlier}")
        return f"{len(chunks)} chunks, last: choices=[] usage {last.usage.prompt_tokens}+{last.usage.completion_tokens}"

    def text_stream_helper() -> str:
        events: dict[str, int] = {}
        with client.chat.completions.stream(model=MODEL, messages=messages) as s:
            for ev in s:
                events[ev.type] = events.get(ev.type, 0) + 1
            final = s.get_final_completion()
        msg = final.choices[0].message
        check(isinstance(msg.content, str) and msg.content != "", f"final content {msg.content!r}")
        if "text" in reference:
            check(msg.content == reference["text"], f"{msg.content!r} != non-streamed {reference['text']!r}")
        check(final.choices[0].finish_reason == "stop", f"finish_reason {final.choices[0].finish_reason!r}")
        check(events.get("content.done") == 1, f"events {events}")
        return f".stream() events {events}; final {msg.content!r}"

    def tool_nonstream() -> str:
        c = client.chat.completions.create(model=TOOL_MODEL, messages=tool_messages, tools=tools)
        ch = c.choices[0]
        calls = ch.message.tool_calls or []
        check(len(calls) == 1, f"{len(calls)} tool calls; message {short(ch.message.model_dump(), 200)}")
        check(calls[0].function.name == "get_weather", f"name {calls[0].function.name!r}")
        check(bool(calls[0].id), "tool call without id")
        want_args(parse_args(calls[0].function.arguments), "message.tool_calls[0].function.arguments")
        check(ch.finish_reason == "tool_calls", f"finish_reason {ch.finish_reason!r}")
        return f"get_weather({calls[0].function.arguments}) finish=tool_calls"

    def tool_stream_manual() -> str:
        stream = client.chat.completions.create(model=TOOL_MODEL, messages=tool_messages, tools=tools, stream=True)
        state = ChatCompletionStreamState()
        calls: dict[int, dict[str, Any]] = {}
        finish = None
        n = 0
        for chunk in stream:
            n += 1
            state.handle_chunk(chunk)
            for choice in chunk.choices:
                for tc in choice.delta.tool_calls or []:
                    slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
                finish = choice.finish_reason or finish
        check(len(calls) == 1, f"{len(calls)} tool calls by index")
        call = calls[min(calls)]
        check(call["name"] == "get_weather", f"name {call['name']!r}")
        check(bool(call["id"]), "no id")
        want_args(parse_args(call["arguments"]), "deltas joined by index")
        check(finish == "tool_calls", f"finish_reason {finish!r}")
        final = state.get_final_completion()
        fcalls = final.choices[0].message.tool_calls or []
        check(len(fcalls) == 1, f"ChatCompletionStreamState: {len(fcalls)} tool calls")
        want_args(parse_args(fcalls[0].function.arguments), "ChatCompletionStreamState.get_final_completion()")
        return f"{n} chunks; manual and ChatCompletionStreamState: get_weather({call['arguments']})"

    def tool_stream_helper() -> str:
        done_events = []
        with client.chat.completions.stream(model=TOOL_MODEL, messages=tool_messages, tools=tools) as s:
            for ev in s:
                if ev.type == "tool_calls.function.arguments.done":
                    done_events.append(ev)
            final = s.get_final_completion()
        check(len(done_events) == 1, f"{len(done_events)} tool_calls.function.arguments.done events")
        ev = done_events[0]
        check(ev.name == "get_weather", f"event name {ev.name!r}")
        want_args(parse_args(ev.arguments), "arguments.done event")
        fcalls = final.choices[0].message.tool_calls or []
        check(len(fcalls) == 1, f"final: {len(fcalls)} tool calls")
        want_args(parse_args(fcalls[0].function.arguments), "get_final_completion()")
        check(final.choices[0].finish_reason == "tool_calls", f"finish_reason {final.choices[0].finish_reason!r}")
        return f".stream(): arguments.done {ev.arguments}; final agrees"

    def tool_result_round_trip() -> str:
        # The client's loop: run the tool, send its result back; the model must answer in text.
        first = client.chat.completions.create(model=TOOL_MODEL, messages=tool_messages, tools=tools)
        msg = first.choices[0].message
        check(bool(msg.tool_calls), f"first turn made no tool call: {short(msg.model_dump(exclude_none=True))}")
        call = msg.tool_calls[0]
        follow = tool_messages + [
            msg.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"forecast": "sunny"})},
        ]
        second = client.chat.completions.create(model=TOOL_MODEL, messages=follow, tools=tools)
        ch = second.choices[0]
        check(not ch.message.tool_calls, f"answered the tool result with another call: {short(ch.message.model_dump(exclude_none=True))}")
        check(bool(ch.message.content), "no text after the tool result")
        check(ch.finish_reason == "stop", f"finish_reason {ch.finish_reason!r}")
        return f"after the tool message: {ch.message.content!r}"

    return [
        Case("openai", "text, not streamed", text_nonstream),
        Case("openai", "text, streamed, no stream_options: no usage chunk", text_stream_no_usage),
        Case("openai", "text, streamed, include_usage: ends with usage chunk, choices=[]", text_stream_include_usage),
        Case("openai", "text, chat.completions.stream() helper", text_stream_helper),
        Case("openai", "tool call, not streamed", tool_nonstream),
        Case("openai", "tool call, streamed (by index + ChatCompletionStreamState)", tool_stream_manual),
        Case("openai", "tool call, chat.completions.stream() helper", tool_stream_helper),
        Case("openai", "tool result sent back: answers in text", tool_result_round_trip),
    ]


# ---------------------------------------------------------------------------- anthropic


def anthropic_cases(url: str, rec: Recorder) -> list[Case]:
    from anthropic import Anthropic

    client = Anthropic(api_key=API_KEY, base_url=url, http_client=rec.client(), max_retries=0)
    messages = [{"role": "user", "content": PROMPT}]
    tool_messages = [{"role": "user", "content": TOOL_PROMPT}]
    tools = [{"name": "get_weather", "description": "Weather forecast for a city", "input_schema": WEATHER_SCHEMA}]
    reference: dict[str, str] = {}

    def text_of(msg: Any) -> str:
        return "".join(b.text for b in msg.content if b.type == "text")

    def text_nonstream() -> str:
        msg = client.messages.create(model=MODEL, max_tokens=256, messages=messages)
        text = text_of(msg)
        check(text != "", f"no text; content {short([b.model_dump() for b in msg.content])}")
        check(msg.stop_reason == "end_turn", f"stop_reason {msg.stop_reason!r}")
        check(msg.usage.output_tokens == 8, f"usage.output_tokens {msg.usage.output_tokens} != 8")
        reference["text"] = text
        return f"{text!r}; usage {msg.usage.input_tokens}+{msg.usage.output_tokens}"

    def text_stream() -> str:
        pieces = []
        with client.messages.stream(model=MODEL, max_tokens=256, messages=messages) as s:
            for t in s.text_stream:
                pieces.append(t)
            final = s.get_final_message()
        text = "".join(pieces)
        check(text != "", "text_stream yielded nothing")
        check(text_of(final) == text, f"get_final_message() {text_of(final)!r} != text_stream {text!r}")
        if "text" in reference:
            check(text == reference["text"], f"streamed {text!r} != non-streamed {reference['text']!r}")
        check(final.stop_reason == "end_turn", f"stop_reason {final.stop_reason!r}")
        check(final.usage.output_tokens == 8, f"usage.output_tokens {final.usage.output_tokens} != 8")
        return f"{len(pieces)} text deltas; get_final_message() {text!r} usage {final.usage.input_tokens}+{final.usage.output_tokens}"

    def tool_nonstream() -> str:
        msg = client.messages.create(model=TOOL_MODEL, max_tokens=256, messages=tool_messages, tools=tools)
        uses = [b for b in msg.content if b.type == "tool_use"]
        check(len(uses) == 1, f"{len(uses)} tool_use blocks; content {short([b.model_dump() for b in msg.content])}")
        check(uses[0].name == "get_weather", f"name {uses[0].name!r}")
        want_args(uses[0].input, "tool_use.input")
        check(msg.stop_reason == "tool_use", f"stop_reason {msg.stop_reason!r}")
        return f"tool_use get_weather {json.dumps(uses[0].input)} stop=tool_use"

    def tool_stream() -> str:
        partial = ""
        with client.messages.stream(model=TOOL_MODEL, max_tokens=256, messages=tool_messages, tools=tools) as s:
            for ev in s:
                if ev.type == "input_json":
                    partial = ev.snapshot
            final = s.get_final_message()
        uses = [b for b in final.content if b.type == "tool_use"]
        check(len(uses) == 1, f"{len(uses)} tool_use blocks; content {short([b.model_dump() for b in final.content])}")
        check(uses[0].name == "get_weather", f"name {uses[0].name!r}")
        check(bool(uses[0].id), "no id")
        want_args(uses[0].input, "get_final_message() tool_use.input")
        want_args(partial, "last input_json snapshot")
        check(final.stop_reason == "tool_use", f"stop_reason {final.stop_reason!r}")
        return f"messages.stream(): tool_use get_weather {json.dumps(uses[0].input)}"

    def tool_stream_raw() -> str:
        blocks: dict[int, dict[str, Any]] = {}
        stop = None
        for ev in client.messages.create(model=TOOL_MODEL, max_tokens=256, messages=tool_messages, tools=tools, stream=True):
            if ev.type == "content_block_start":
                blocks[ev.index] = {"type": ev.content_block.type, "json": ""}
                if ev.content_block.type == "tool_use":
                    blocks[ev.index]["name"] = ev.content_block.name
            elif ev.type == "content_block_delta" and ev.delta.type == "input_json_delta":
                blocks[ev.index]["json"] += ev.delta.partial_json
            elif ev.type == "message_delta":
                stop = ev.delta.stop_reason
        uses = [b for b in blocks.values() if b["type"] == "tool_use"]
        check(len(uses) == 1, f"{len(uses)} tool_use blocks")
        want_args(parse_args(uses[0]["json"]), "input_json_delta joined")
        check(stop == "tool_use", f"stop_reason {stop!r}")
        return f"create(stream=True): partial_json joined {uses[0]['json']}"

    def tool_result_round_trip() -> str:
        first = client.messages.create(model=TOOL_MODEL, max_tokens=256, messages=tool_messages, tools=tools)
        uses = [b for b in first.content if b.type == "tool_use"]
        check(bool(uses), "first turn made no tool_use")
        follow = tool_messages + [
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": uses[0].id, "content": json.dumps({"forecast": "sunny"})}
            ]},
        ]
        second = client.messages.create(model=TOOL_MODEL, max_tokens=256, messages=follow, tools=tools)
        again = [b for b in second.content if b.type == "tool_use"]
        check(not again, f"answered the tool_result with another tool_use: {short([b.model_dump() for b in second.content])}")
        check(text_of(second) != "", "no text after the tool_result")
        check(second.stop_reason == "end_turn", f"stop_reason {second.stop_reason!r}")
        return f"after the tool_result: {text_of(second)!r}"

    return [
        Case("anthropic", "text, messages.create", text_nonstream),
        Case("anthropic", "text, messages.stream + get_final_message()", text_stream),
        Case("anthropic", "tool_use, messages.create", tool_nonstream),
        Case("anthropic", "tool_use, messages.stream + get_final_message()", tool_stream),
        Case("anthropic", "tool_use, create(stream=True) input_json_delta", tool_stream_raw),
        Case("anthropic", "tool_result sent back: answers in text", tool_result_round_trip),
    ]


# ------------------------------------------------------------------------------- gemini


def gemini_cases(url: str, rec: Recorder, api_version: str | None = None) -> list[Case]:
    """The Gemini cases with the SDK's default API version (the path it really asks
    for), or with `api_version` pinned (v1beta: the path docs/simulator.md serves)."""
    from google import genai
    from google.genai import types

    client = genai.Client(
        api_key=API_KEY,
        http_options=types.HttpOptions(base_url=url, api_version=api_version, client_args=rec.client_args()),
    )
    label = f" [api_version={api_version}]" if api_version else ""
    reference: dict[str, str] = {}
    no_afc = types.AutomaticFunctionCallingConfig(disable=True)

    def text_of(resp: Any) -> str:
        out = ""
        for cand in resp.candidates or []:
            for part in (cand.content.parts if cand.content else None) or []:
                out += part.text or ""
        return out

    def text_nonstream() -> str:
        resp = client.models.generate_content(model=MODEL, contents=PROMPT)
        text = resp.text or ""
        check(text != "", f"no text: {short(resp.model_dump(exclude_none=True))}")
        fr = resp.candidates[0].finish_reason
        check(getattr(fr, "value", fr) == "STOP", f"finish_reason {fr!r}")
        um = resp.usage_metadata
        check(um is not None and um.candidates_token_count == 8, f"usage_metadata {um!r}")
        reference["text"] = text
        return f"{text!r}; usage {um.prompt_token_count}+{um.candidates_token_count}"

    def text_stream() -> str:
        frames = list(client.models.generate_content_stream(model=MODEL, contents=PROMPT))
        text = "".join(text_of(f) for f in frames)
        check(text != "", f"no text in {len(frames)} frames")
        if "text" in reference:
            check(text == reference["text"], f"streamed {text!r} != non-streamed {reference['text']!r}")
        ums = [f.usage_metadata for f in frames if f.usage_metadata is not None]
        check(bool(ums) and ums[-1].candidates_token_count == 8, f"usage_metadata {ums[-1] if ums else None!r}")
        return f"{len(frames)} frames; {text!r}"

    def call_from(frames: list[Any]) -> tuple[Any, Any]:
        calls = [
            part.function_call
            for f in frames
            for cand in f.candidates or []
            for part in (cand.content.parts if cand.content else None) or []
            if part.function_call is not None
        ]
        texts = "".join(text_of(f) for f in frames)
        check(len(calls) == 1, f"{len(calls)} function calls (text {texts!r})")
        return calls[0], texts

    def tool_case(tool: Any, stream: bool = False) -> Callable[[], str]:
        def run() -> str:
            config = types.GenerateContentConfig(tools=[tool], automatic_function_calling=no_afc)
            if stream:
                frames = list(client.models.generate_content_stream(model=TOOL_MODEL, contents=TOOL_PROMPT, config=config))
            else:
                frames = [client.models.generate_content(model=TOOL_MODEL, contents=TOOL_PROMPT, config=config)]
            fc, _ = call_from(frames)
            check(fc.name == "get_weather", f"name {fc.name!r}")
            want_args(fc.args, "function_call.args")
            return f"get_weather({json.dumps(fc.args)})"

        return run

    json_schema_tool = types.Tool(function_declarations=[
        types.FunctionDeclaration(
            name="get_weather", description="Weather forecast for a city", parameters_json_schema=WEATHER_SCHEMA
        )
    ])
    schema_tool = types.Tool(function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description="Weather forecast for a city",
            parameters=types.Schema(
                type=types.Type.OBJECT,
                properties={
                    "city": types.Schema(type=types.Type.STRING, description="City name"),
                    "days": types.Schema(type=types.Type.INTEGER, description="Number of days"),
                },
                required=["city", "days"],
            ),
        )
    ])

    called: list[dict[str, Any]] = []

    def get_weather(city: str, days: int) -> dict[str, Any]:
        """Weather forecast for a city.

        Args:
          city: City name
          days: Number of days
        """
        called.append({"city": city, "days": days})
        return {"forecast": "sunny", "city": city, "days": days}

    def callable_no_afc() -> str:
        # A plain Python function, the SDK's default way to declare a tool: it builds the
        # FunctionDeclaration itself (from the signature) before sending.
        config = types.GenerateContentConfig(tools=[get_weather], automatic_function_calling=no_afc)
        resp = client.models.generate_content(model=TOOL_MODEL, contents=TOOL_PROMPT, config=config)
        fc, _ = call_from([resp])
        check(fc.name == "get_weather", f"name {fc.name!r}")
        want_args(fc.args, "function_call.args")
        return f"get_weather({json.dumps(fc.args)})"

    def callable_afc() -> str:
        # Automatic function calling (the SDK's default when given a function): it calls
        # get_weather itself, sends the functionResponse back, and returns the final text.
        called.clear()
        m = rec.mark()
        resp = client.models.generate_content(
            model=TOOL_MODEL, contents=TOOL_PROMPT, config=types.GenerateContentConfig(tools=[get_weather])
        )
        n = len(rec.since(m))
        check(len(called) >= 1, f"the SDK never called get_weather ({n} requests); text {resp.text!r}")
        want_args(called[0], "get_weather called by the SDK with")
        check(n == 2, f"{n} requests (want 2: the call, then the functionResponse); calls {called}")
        check(bool(resp.text), f"no final text after the functionResponse: {short(resp.model_dump(exclude_none=True))}")
        return f"SDK called get_weather({json.dumps(called[0])}), then text {resp.text!r}"

    cases = [
        Case("google-genai", "text, generate_content", text_nonstream),
        Case("google-genai", "text, generate_content_stream", text_stream),
        Case("google-genai", "function call, FunctionDeclaration(parameters_json_schema=dict)",
             tool_case(json_schema_tool), always_show_request=True),
        Case("google-genai", "function call, parameters_json_schema, streamed",
             tool_case(json_schema_tool, stream=True)),
        Case("google-genai", "function call, FunctionDeclaration(parameters=types.Schema)",
             tool_case(schema_tool), always_show_request=True),
        Case("google-genai", "function call, parameters=types.Schema, streamed",
             tool_case(schema_tool, stream=True)),
        Case("google-genai", "function call, tools=[python function] (AFC off)", callable_no_afc,
             always_show_request=True),
        Case("google-genai", "function call, tools=[python function], automatic calling", callable_afc),
    ]
    for case in cases:
        case.name += label
    return cases


# --------------------------------------------------------------------------------- main


def run_cases(cases: list[Case], rec: Recorder) -> None:
    for case in cases:
        m = rec.mark()
        try:
            case.detail = case.fn() or ""
            case.ok = True
        except Failed as exc:
            case.detail = str(exc)
        except Exception as exc:  # noqa: BLE001 - an SDK error is a failure of the case
            body = getattr(exc, "body", None)
            case.detail = f"{type(exc).__name__}: {exc}" + (f" body={short(body)}" if body is not None else "")
            sent = rec.since(m)
            if sent and (sent[-1].status or 0) >= 400:
                ex = sent[-1]
                path = httpx2.URL(ex.url).raw_path.decode()
                case.detail += f" — {ex.method} {path} answered {ex.status} ({len(ex.response_body)}-byte body)"
            else:
                case.detail += " @ " + " / ".join(
                    line.strip() for line in traceback.format_exc().splitlines()[-3:-1]
                )
        case.exchanges = rec.since(m)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="run only cases whose 'sdk case' contains this")
    ap.add_argument("--verbose", action="store_true", help="print every exchange, not only failing ones")
    args = ap.parse_args()

    binary = Path(os.environ.get("STUDIO_BIN") or ROOT / ".build" / "debug" / "studio")
    if not binary.is_absolute():
        binary = ROOT / binary
    sim = Simulator(binary)
    cases: list[Case] = []
    try:
        try:
            url = sim.start()
        except RuntimeError as exc:
            print(f"sdk-against-simulator: {exc}", file=sys.stderr)
            return 2
        print(f"simulator: {url} ({binary}, built {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(binary.stat().st_mtime))})")
        builds: list[Callable[[str, Recorder], list[Case]]] = [
            openai_cases,
            anthropic_cases,
            gemini_cases,  # the SDK's default API version (google-genai 3.x: v1)
            lambda u, r: gemini_cases(u, r, api_version="v1beta"),
        ]
        for build in builds:
            rec = Recorder()
            group = [c for c in build(url, rec) if not args.only or args.only in f"{c.sdk} {c.name}"]
            run_cases(group, rec)
            cases += group
    finally:
        sim.stop()

    sdk_w = max(len("SDK"), *(len(c.sdk) for c in cases)) if cases else 3
    name_w = max(len("case"), *(len(c.name) for c in cases)) if cases else 4
    print()
    print(f"{'SDK'.ljust(sdk_w)} | {'case'.ljust(name_w)} | result")
    print(f"{'-' * sdk_w}-+-{'-' * name_w}-+-{'-' * 60}")
    for c in cases:
        print(f"{c.sdk.ljust(sdk_w)} | {c.name.ljust(name_w)} | {'pass' if c.ok else 'FAIL'}: {short(c.detail, 400)}")

    shown = [c for c in cases if not c.ok or c.always_show_request or args.verbose]
    if shown:
        print("\nExchanges (> request the SDK sent, < what the simulator answered):")
    for c in shown:
        print(f"\n[{c.sdk}] {c.name}: {'pass' if c.ok else 'FAIL'}")
        exchanges = c.exchanges if len(c.exchanges) <= 4 else c.exchanges[:3] + c.exchanges[-1:]
        for i, ex in enumerate(exchanges):
            if i == 3 and len(c.exchanges) > 4:
                print(f"    … {len(c.exchanges) - 4} more exchanges, then the last:")
            if c.ok and not args.verbose:
                print(f"    > {ex.method} {ex.url}\n    > {json.dumps(ex.request_json(), ensure_ascii=False)}")
            else:
                print(ex.dump(), end="")

    failed = [c for c in cases if not c.ok]
    print()
    print("SDKs: " + ", ".join(version(d) for d in ("openai", "anthropic", "google-genai", "httpx2")))
    print(f"{len(cases)} cases, {len(cases) - len(failed)} pass, {len(failed)} fail")
    if failed:
        print("\nFAILED:", file=sys.stderr)
        for c in failed:
            print(f"  {c.sdk}: {c.name}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
