#!/usr/bin/env python3
"""Cross-checks the recorded provider captures against the official SDKs.

Every capture under Tests/Fixtures/captures/<format>/ (openai-chat, openai-responses,
anthropic-messages, gemini, cohere-chat, ollama, bedrock-converse) is fed, byte for byte,
to the vendor's own Python SDK through a mock HTTP transport (no network: the handler
answers every request with the capture's status and body; for Bedrock, botocore's
`before-send` hook does, so botocore's own parsers and event-stream decoder read the
bytes). The
SDK is called the way a user would call it, its view of the answer is accumulated, and
that view is compared field by field with the capture's `expected` block in index.json.

Differences listed in scripts/captures/known-differences.json ({id: {field: "why"}})
are reported but do not fail the run; any other difference, a listed difference that
no longer occurs, or a capture the SDK cannot be run on for an unexpected reason does.

The SDKs' own view is written to Tests/Fixtures/captures/sdk-check.json.

Run it through scripts/captures/sdk-check, which makes the pinned virtualenv.
  sdk_check.py [--all] [--only ID_SUBSTRING] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

# openai-python, anthropic-python and google-genai in the pinned versions speak httpx2 (the
# maintained fork of httpx under its own import name); their `http_client` parameters only
# accept httpx2 clients. cohere and ollama still take plain httpx clients and transports.
import httpx
import httpx2

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "Tests" / "Fixtures" / "captures"
KNOWN = Path(__file__).resolve().parent / "known-differences.json"
OUT = CAPTURES / "sdk-check.json"
FORMATS = (
    "openai-chat", "openai-responses", "anthropic-messages", "gemini", "cohere-chat", "ollama",
    "bedrock-converse",
)
COMPARED = (
    "text",
    "reasoning_text",
    "refusal",
    "tool_calls",
    "finish_reason",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "choices",
    "error",
)
BASE = "http://capture.test"

# Captures whose recorded content-type differs from what the file extension suggests
# (.sse -> text/event-stream, .ndjson -> application/x-ndjson, .eventstream ->
# application/vnd.amazon.eventstream, otherwise application/json).
CONTENT_TYPE = {
    # Google answers an alt=sse request's error with text/event-stream and a plain JSON
    # body (see the notes of these entries).
    "gemini-error-400-stream-request": "text/event-stream",
    "gemini-error-404-stream-request": "text/event-stream",
    # ollama.com sent this newline-delimited stream as application/json.
    "ollama-stream-thinking-cloud": "application/json",
}
EXTENSION_TYPE = {
    ".sse": "text/event-stream",
    ".ndjson": "application/x-ndjson",
    ".eventstream": "application/vnd.amazon.eventstream",
}

# Environment that would steer an SDK elsewhere (base URL, backend, credentials).
for var in list(os.environ):
    if var.startswith(
        ("OPENAI_", "ANTHROPIC_", "GOOGLE_", "GEMINI_", "CO_API_", "COHERE_", "OLLAMA_", "AWS_", "BOTO_")
    ):
        del os.environ[var]
# botocore also reads ~/.aws/config and ~/.aws/credentials (profiles, endpoint overrides).
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

warnings.filterwarnings("ignore")  # unknown enum values, pydantic serializer notes


def version(dist: str) -> str:
    return f"{dist} {metadata.version(dist)}"


class NotApplicable(Exception):
    """The SDK never asks for this wire form, and cannot read it."""


# ---------------------------------------------------------------------------- transport


class Capture:
    def __init__(self, fmt: str, entry: dict[str, Any]):
        self.fmt = fmt
        self.entry = entry
        self.id: str = entry["id"]
        self.body = (CAPTURES / fmt / entry["file"]).read_bytes()
        self.status: int = entry["http_status"]
        self.request: dict[str, Any] = entry.get("request") or {}
        self.content_type = CONTENT_TYPE.get(
            self.id, EXTENSION_TYPE.get(Path(entry["file"]).suffix, "application/json")
        )
        # Ask for a stream when the capture is a stream, or when the recorded request was
        # a streaming one answered with an error body.
        self.sdk_stream = bool(
            entry["stream"] or self.request.get("stream") is True or "stream-request" in self.id
        )
        self.seen_urls: list[str] = []

    def transport(self, lib: Any = httpx2) -> Any:
        """A MockTransport of `lib` (httpx2, or httpx for the SDKs still on it)."""

        def handler(request: Any) -> Any:
            self.seen_urls.append(f"{request.method} {request.url}")
            if request.url.host != "capture.test":
                raise RuntimeError(f"SDK tried to reach {request.url}")
            return lib.Response(
                self.status, content=self.body, headers={"content-type": self.content_type}
            )

        return lib.MockTransport(handler)

    def http_client(self) -> httpx2.Client:
        return httpx2.Client(transport=self.transport())

    def httpx_client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport(httpx))


def error_message(exc: Any) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    msg = getattr(exc, "message", None)
    return msg if isinstance(msg, str) else str(exc)


def parse_args(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # kept raw: shows up as a mismatch against the parsed index value
    return raw


def blank() -> dict[str, Any]:
    return {
        "text": "",
        "reasoning_text": None,
        "refusal": None,
        "tool_calls": [],
        "finish_reason": None,
        "input_tokens": None,
        "output_tokens": None,
        "reasoning_tokens": None,
        "choices": 0,
        "error": None,
    }


def append(view: dict[str, Any], key: str, piece: Any) -> None:
    if isinstance(piece, str) and piece:
        view[key] = (view[key] or "") + piece


# ------------------------------------------------------------------------------- openai


def run_openai(cap: Capture) -> dict[str, Any]:
    from openai import APIError, APIStatusError, OpenAI
    from openai.lib.streaming.chat import ChatCompletionStreamState

    client = OpenAI(
        api_key="x", base_url=f"{BASE}/v1", http_client=cap.http_client(), max_retries=0
    )
    req = cap.request
    kwargs: dict[str, Any] = {
        "model": cap.entry.get("model") or "gpt-4o",
        "messages": req.get("messages") or [{"role": "user", "content": "Hi"}],
    }
    for key in ("tools", "n", "max_tokens", "stream_options"):
        if key in req:
            kwargs[key] = req[key]
    view = blank()
    notes: dict[str, Any] = {}
    try:
        if cap.sdk_stream:
            stream = client.chat.completions.create(stream=True, **kwargs)
            state = ChatCompletionStreamState()
            state_ok = True
            indexes: set[int] = set()
            calls: dict[int, dict[str, Any]] = {}
            skipped_parts = 0
            try:
                for chunk in stream:
                    if state_ok:
                        try:
                            state.handle_chunk(chunk)
                        except Exception as exc:  # noqa: BLE001 - recorded, not fatal
                            state_ok = False
                            notes["stream_state_error"] = f"{type(exc).__name__}: {exc}"
                    for choice in chunk.choices or []:
                        indexes.add(choice.index)
                        if choice.index != 0:
                            continue
                        delta = choice.delta
                        if delta is not None:
                            if isinstance(delta.content, str):
                                append(view, "text", delta.content)
                            elif delta.content is not None:
                                skipped_parts += 1  # not a string: the SDK types it str
                            append(view, "refusal", delta.refusal)
                            extra = delta.model_extra or {}
                            for key in ("reasoning_content", "reasoning"):
                                append(view, "reasoning_text", extra.get(key))
                            for tc in delta.tool_calls or []:
                                key = tc.index
                                if key is None:
                                    # Mistral omits the index; a delta with an id starts a
                                    # new call, one without continues the last.
                                    notes["tool_call_without_index"] = True
                                    key = len(calls) if tc.id or not calls else max(calls)
                                slot = calls.setdefault(
                                    key, {"id": None, "name": "", "arguments": ""}
                                )
                                if tc.id:
                                    slot["id"] = tc.id
                                if tc.function is not None:
                                    slot["name"] += tc.function.name or ""
                                    slot["arguments"] += tc.function.arguments or ""
                        if choice.finish_reason is not None:
                            view["finish_reason"] = choice.finish_reason
                    usage_from(chunk, view, notes)
            except APIError as exc:
                view["error"] = {"message": error_message(exc), "where": "mid-stream"}
                notes["error_class"] = type(exc).__name__
            view["choices"] = len(indexes)
            view["tool_calls"] = [
                {"id": c["id"], "name": c["name"], "arguments": parse_args(c["arguments"] or "{}")}
                for _, c in sorted(calls.items())
            ]
            if skipped_parts:
                notes["non_string_content_deltas"] = skipped_parts
            if state_ok and view["error"] is None:
                notes["stream_state"] = compare_stream_state(state, view)
        else:
            completion = client.chat.completions.create(**kwargs)
            view["choices"] = len({c.index for c in completion.choices or []})
            first = next((c for c in completion.choices or [] if c.index == 0), None)
            if first is not None:
                msg = first.message
                if msg is not None:
                    if isinstance(msg.content, str):
                        view["text"] = msg.content
                    append(view, "refusal", msg.refusal)
                    extra = msg.model_extra or {}
                    for key in ("reasoning_content", "reasoning"):
                        append(view, "reasoning_text", extra.get(key))
                    view["tool_calls"] = [
                        {
                            "id": tc.id,
                            "name": tc.function.name,
                            "arguments": parse_args(tc.function.arguments),
                        }
                        for tc in msg.tool_calls or []
                    ]
                view["finish_reason"] = first.finish_reason
            usage_from(completion, view, notes)
    except APIStatusError as exc:
        view["error"] = {"message": error_message(exc), "where": "status"}
        notes["error_class"] = type(exc).__name__
    return {"view": view, "notes": notes}


def usage_from(obj: Any, view: dict[str, Any], notes: dict[str, Any]) -> None:
    usage = getattr(obj, "usage", None)
    if usage is not None:
        view["input_tokens"] = usage.prompt_tokens
        view["output_tokens"] = usage.completion_tokens
        details = usage.completion_tokens_details
        view["reasoning_tokens"] = details.reasoning_tokens if details is not None else None
        notes["usage_from"] = "usage"
        return
    groq = (obj.model_extra or {}).get("x_groq")
    if isinstance(groq, dict) and isinstance(groq.get("usage"), dict):
        # Groq's vendor extension: the SDK's typed `usage` is None here and it keeps
        # x_groq only as an untyped extra field; read from there, and say so.
        view["input_tokens"] = groq["usage"].get("prompt_tokens")
        view["output_tokens"] = groq["usage"].get("completion_tokens")
        details = groq["usage"].get("completion_tokens_details")
        view["reasoning_tokens"] = (
            details.get("reasoning_tokens") if isinstance(details, dict) else None
        )
        notes["usage_from"] = "x_groq.usage (model_extra; typed chunk.usage is None)"


def compare_stream_state(state: Any, view: dict[str, Any]) -> Any:
    """The SDK's own accumulator (ChatCompletionStreamState) against the manual one."""
    try:
        final = state.get_final_completion()
    except Exception as exc:  # noqa: BLE001
        return f"get_final_completion failed: {type(exc).__name__}: {exc}"
    first = next((c for c in final.choices if c.index == 0), None)
    if first is None:
        return "agrees" if view["choices"] == 0 else "no choice 0"
    msg = first.message
    theirs = {
        "text": msg.content if isinstance(msg.content, str) else "",
        "refusal": msg.refusal or None,
        "finish_reason": first.finish_reason,
        "tool_calls": [
            {"id": t.id, "name": t.function.name, "arguments": parse_args(t.function.arguments)}
            for t in msg.tool_calls or []
        ],
    }
    diff = {k: v for k, v in theirs.items() if v != view[k]}
    return "agrees" if not diff else {"differs": diff}


# --------------------------------------------------------------------- openai responses


def run_openai_responses(cap: Capture) -> dict[str, Any]:
    from openai import APIError, APIStatusError, OpenAI

    client = OpenAI(
        api_key="x", base_url=f"{BASE}/v1", http_client=cap.http_client(), max_retries=0
    )
    req = cap.request
    kwargs: dict[str, Any] = {
        "model": cap.entry.get("model") or "gpt-4o",
        "input": req.get("input") or "Hi",
    }
    for key in ("tools", "tool_choice", "max_output_tokens", "reasoning", "text", "instructions"):
        if key in req:
            kwargs[key] = req[key]
    view = blank()
    notes: dict[str, Any] = {}
    try:
        if cap.sdk_stream:
            stream = client.responses.create(stream=True, **kwargs)
            calls: dict[int, dict[str, Any]] = {}
            types: dict[str, int] = {}
            try:
                for event in stream:
                    types[event.type] = types.get(event.type, 0) + 1
                    if event.type == "response.created":
                        view["choices"] = 1
                    elif event.type == "response.output_text.delta":
                        append(view, "text", event.delta)
                    elif event.type == "response.refusal.delta":
                        append(view, "refusal", event.delta)
                    elif event.type in (
                        "response.reasoning_summary_text.delta",
                        "response.reasoning_text.delta",
                    ):
                        append(view, "reasoning_text", event.delta)
                    elif event.type == "response.output_item.added":
                        item = event.item
                        if item.type == "function_call":
                            calls[event.output_index] = {
                                "id": item.call_id,
                                "name": item.name,
                                "arguments": item.arguments or "",
                            }
                    elif event.type == "response.function_call_arguments.delta":
                        slot = calls.setdefault(
                            event.output_index, {"id": None, "name": "", "arguments": ""}
                        )
                        slot["arguments"] += event.delta
                    elif event.type == "error":
                        # The documented form: code/message at the top level of the event.
                        view["error"] = {"message": event.message, "where": "mid-stream"}
                    elif event.type in (
                        "response.completed",
                        "response.incomplete",
                        "response.failed",
                    ):
                        response_end(event.response, view)
                        if event.type == "response.failed" and view["error"] is None:
                            err = event.response.error
                            view["error"] = {
                                "message": err.message if err is not None else None,
                                "where": "mid-stream",
                            }
            except APIError as exc:
                # openai-python raises on any event whose data has a truthy top-level
                # "error" key, and stops reading there.
                view["error"] = {"message": error_message(exc), "where": "mid-stream"}
                notes["error_class"] = type(exc).__name__
            view["tool_calls"] = [
                {"id": c["id"], "name": c["name"], "arguments": parse_args(c["arguments"] or "{}")}
                for _, c in sorted(calls.items())
            ]
            notes["event_types"] = len(types)
            # The SDK's own accumulator: responses.stream(...).get_final_response().
            try:
                helper_client = OpenAI(
                    api_key="x", base_url=f"{BASE}/v1", http_client=cap.http_client(), max_retries=0
                )
                with helper_client.responses.stream(**kwargs) as s:
                    final = s.get_final_response()
                helper = from_response(final)
                diff = {k: v for k, v in helper.items() if normalise(k, v) != normalise(k, view[k])}
                notes["responses_stream"] = "agrees" if not diff else {"differs": diff}
            except Exception as exc:  # noqa: BLE001 - an error capture raises here too
                notes["responses_stream"] = f"raised {type(exc).__name__}: {error_message(exc)}"
        else:
            response = client.responses.create(**kwargs)
            view.update(from_response(response))
            if (response.output_text or "") != view["text"]:
                notes["output_text_property"] = response.output_text
    except APIStatusError as exc:
        view["error"] = {"message": error_message(exc), "where": "status"}
        notes["error_class"] = type(exc).__name__
    return {"view": view, "notes": notes}


def response_end(response: Any, view: dict[str, Any]) -> None:
    """finish_reason and usage of a final Response object (the index's convention)."""
    details = response.incomplete_details
    view["finish_reason"] = (
        details.reason if response.status == "incomplete" and details is not None else response.status
    )
    usage = response.usage
    if usage is not None:
        view["input_tokens"] = usage.input_tokens
        view["output_tokens"] = usage.output_tokens
        out = usage.output_tokens_details
        view["reasoning_tokens"] = out.reasoning_tokens if out is not None else None


def from_response(response: Any) -> dict[str, Any]:
    out = blank()
    out["choices"] = 1
    for item in response.output or []:
        if item.type == "message":
            for part in item.content or []:
                if part.type == "output_text":
                    append(out, "text", part.text)
                elif part.type == "refusal":
                    append(out, "refusal", part.refusal)
        elif item.type == "reasoning":
            for part in item.summary or []:
                append(out, "reasoning_text", part.text)
            for part in getattr(item, "content", None) or []:
                append(out, "reasoning_text", getattr(part, "text", None))
        elif item.type == "function_call":
            out["tool_calls"].append(
                {"id": item.call_id, "name": item.name, "arguments": parse_args(item.arguments)}
            )
    response_end(response, out)
    return out


# ---------------------------------------------------------------------------- anthropic


def run_anthropic(cap: Capture) -> dict[str, Any]:
    from anthropic import Anthropic, APIStatusError

    req = cap.request
    kwargs: dict[str, Any] = {
        "model": cap.entry.get("model") or "claude-sonnet-4-20250514",
        "messages": req.get("messages") or [{"role": "user", "content": "Hi"}],
        "max_tokens": req.get("max_tokens") or 1024,
    }
    for key in ("system", "tools", "thinking", "tool_choice"):
        if key in req:
            kwargs[key] = req[key]

    def client() -> Any:
        return Anthropic(
            api_key="x", base_url=BASE, http_client=cap.http_client(), max_retries=0
        )

    view = blank()
    notes: dict[str, Any] = {}
    if not cap.sdk_stream:
        try:
            msg = client().messages.create(**kwargs)
            view.update(from_message(msg))
        except APIStatusError as exc:
            view["error"] = {"message": error_message(exc), "where": "status"}
            notes["error_class"] = type(exc).__name__
        return {"view": view, "notes": notes}

    # 1. Raw events, as `messages.create(stream=True)` yields them.
    blocks: dict[int, dict[str, Any]] = {}
    try:
        stream = client().messages.create(stream=True, **kwargs)
        try:
            for event in stream:
                if event.type == "message_start":
                    view["choices"] = 1
                    u = event.message.usage
                    view["input_tokens"] = u.input_tokens
                    view["output_tokens"] = u.output_tokens
                elif event.type == "content_block_start":
                    b = event.content_block
                    slot = {"type": b.type, "text": "", "json": ""}
                    if b.type == "tool_use":
                        slot.update(id=b.id, name=b.name, input=b.input)
                    blocks[event.index] = slot
                elif event.type == "content_block_delta":
                    slot = blocks.setdefault(event.index, {"type": "?", "text": "", "json": ""})
                    d = event.delta
                    if d.type == "text_delta":
                        slot["text"] += d.text
                    elif d.type == "thinking_delta":
                        slot["text"] += d.thinking
                    elif d.type == "input_json_delta":
                        slot["json"] += d.partial_json
                elif event.type == "message_delta":
                    view["finish_reason"] = event.delta.stop_reason
                    u = event.usage
                    if u.output_tokens is not None:
                        view["output_tokens"] = u.output_tokens
                    if u.input_tokens is not None:
                        view["input_tokens"] = u.input_tokens
                    details = getattr(u, "output_tokens_details", None)
                    if details is not None:
                        view["reasoning_tokens"] = details.thinking_tokens
        except APIStatusError as exc:
            view["error"] = {"message": error_message(exc), "where": "mid-stream"}
            notes["error_class"] = type(exc).__name__
    except APIStatusError as exc:
        view["error"] = {"message": error_message(exc), "where": "status"}
        notes["error_class"] = type(exc).__name__
    for _, b in sorted(blocks.items()):
        if b["type"] == "text":
            append(view, "text", b["text"])
        elif b["type"] == "thinking":
            append(view, "reasoning_text", b["text"])
        elif b["type"] == "tool_use":
            args = parse_args(b["json"]) if b["json"] else b["input"]
            view["tool_calls"].append({"id": b["id"], "name": b["name"], "arguments": args})
    notes["block_types"] = [b["type"] for _, b in sorted(blocks.items())]

    # 2. The SDK's own accumulator: messages.stream(...).get_final_message().
    try:
        with client().messages.stream(**kwargs) as s:
            final = s.get_final_message()
        helper = from_message(final)
        diff = {k: v for k, v in helper.items() if v != view[k]}
        notes["messages_stream"] = "agrees" if not diff else {"differs": diff}
    except Exception as exc:  # noqa: BLE001 - an error capture raises here too
        notes["messages_stream"] = f"raised {type(exc).__name__}: {error_message(exc)}"
    return {"view": view, "notes": notes}


def from_message(msg: Any) -> dict[str, Any]:
    out = blank()
    out["choices"] = 1
    for b in msg.content:
        if b.type == "text":
            append(out, "text", b.text)
        elif b.type == "thinking":
            append(out, "reasoning_text", b.thinking)
        elif b.type == "tool_use":
            out["tool_calls"].append({"id": b.id, "name": b.name, "arguments": b.input})
    out["finish_reason"] = msg.stop_reason
    out["input_tokens"] = msg.usage.input_tokens
    out["output_tokens"] = msg.usage.output_tokens
    details = getattr(msg.usage, "output_tokens_details", None)
    out["reasoning_tokens"] = details.thinking_tokens if details is not None else None
    return out


# ------------------------------------------------------------------------------- gemini


def run_gemini(cap: Capture) -> dict[str, Any]:
    from google import genai
    from google.genai import errors, types

    vertex = cap.entry.get("vendor") == "vertex"
    client = genai.Client(
        api_key="x",
        vertexai=vertex,  # Vertex express mode: an API key, no project or ADC
        http_options=types.HttpOptions(
            base_url=BASE, client_args={"transport": cap.transport()}
        ),
    )
    req = cap.request
    contents = req.get("contents") or [{"role": "user", "parts": [{"text": "Hi"}]}]
    config = None
    cfg = dict(req.get("generationConfig") or {})
    if req.get("tools"):
        cfg["tools"] = req["tools"]
    if cfg:
        try:
            config = types.GenerateContentConfig.model_validate(cfg)
        except Exception:  # noqa: BLE001 - the mock ignores the request anyway
            config = None
    model = cap.entry.get("model") or "gemini-2.5-flash"
    view = blank()
    notes: dict[str, Any] = {}
    frames: list[Any] = []
    try:
        if cap.sdk_stream:
            try:
                for resp in client.models.generate_content_stream(
                    model=model, contents=contents, config=config
                ):
                    frames.append(resp)
            except errors.APIError as exc:
                if not frames and cap.status != 200:
                    raise
                view["error"] = {"message": exc.message, "where": "mid-stream"}
                notes["error_class"] = type(exc).__name__
            except errors.UnknownApiResponseError as exc:
                if cap.id.startswith("gemini-array-stream-"):
                    raise NotApplicable(
                        "the SDK asks for ?alt=sse and cannot read the JSON-array stream form: "
                        f"{type(exc).__name__}: {str(exc)[:120]}"
                    ) from exc
                raise
        else:
            frames.append(
                client.models.generate_content(model=model, contents=contents, config=config)
            )
    except errors.APIError as exc:
        view["error"] = {"message": exc.message, "where": "status"}
        notes["error_class"] = type(exc).__name__
        notes["error_code"] = exc.code
    indexes: set[int] = set()
    usage = None
    for resp in frames:
        if resp.usage_metadata is not None:
            usage = resp.usage_metadata
        if resp.prompt_feedback is not None and resp.prompt_feedback.block_reason is not None:
            notes["block_reason"] = enum_str(resp.prompt_feedback.block_reason)
        for i, cand in enumerate(resp.candidates or []):
            idx = cand.index if cand.index is not None else i
            indexes.add(idx)
            if idx != 0:
                continue
            if cand.finish_reason is not None:
                view["finish_reason"] = enum_str(cand.finish_reason)
            parts = cand.content.parts if cand.content is not None else None
            for part in parts or []:
                if part.text is not None:
                    append(view, "reasoning_text" if part.thought else "text", part.text)
                if part.function_call is not None:
                    fc = part.function_call
                    view["tool_calls"].append(
                        {"id": fc.id, "name": fc.name, "arguments": fc.args or {}}
                    )
    view["choices"] = len(indexes)
    if usage is not None:
        view["input_tokens"] = usage.prompt_token_count
        view["output_tokens"] = usage.candidates_token_count
        view["reasoning_tokens"] = usage.thoughts_token_count
    notes["frames"] = len(frames)
    return {"view": view, "notes": notes}


def enum_str(value: Any) -> Any:
    return getattr(value, "value", value)


# ------------------------------------------------------------------------------- cohere


def run_cohere(cap: Capture) -> dict[str, Any]:
    import cohere
    from cohere.core.api_error import ApiError

    client = cohere.ClientV2(api_key="x", base_url=BASE, httpx_client=cap.httpx_client())
    req = cap.request
    kwargs: dict[str, Any] = {
        "model": cap.entry.get("model") or "command-r",
        "messages": req.get("messages") or [{"role": "user", "content": "Hi"}],
    }
    for key in ("tools", "max_tokens", "temperature"):
        if key in req:
            kwargs[key] = req[key]
    view = blank()
    notes: dict[str, Any] = {}
    try:
        if cap.sdk_stream:
            calls: dict[int, dict[str, Any]] = {}
            plan = ""
            for event in client.chat_stream(**kwargs):
                if event.type == "message-start":
                    view["choices"] = 1
                elif event.type == "content-delta":
                    content = event.delta.message.content
                    append(view, "text", content.text)
                    append(view, "reasoning_text", content.thinking)
                elif event.type == "tool-plan-delta":
                    # The plan the model writes before calling tools: written tokens, which
                    # the studio counts as reasoning (docs/wire-formats.md, Cohere).
                    plan += event.delta.message.tool_plan or ""
                    append(view, "reasoning_text", event.delta.message.tool_plan)
                elif event.type == "tool-call-start":
                    tc = event.delta.message.tool_calls
                    calls[event.index] = {
                        "id": tc.id,
                        "name": tc.function.name if tc.function else "",
                        "arguments": (tc.function.arguments if tc.function else None) or "",
                    }
                elif event.type == "tool-call-delta":
                    tc = event.delta.message.tool_calls
                    slot = calls.setdefault(event.index, {"id": None, "name": "", "arguments": ""})
                    slot["arguments"] += (tc.function.arguments if tc.function else None) or ""
                elif event.type == "message-end":
                    view["finish_reason"] = event.delta.finish_reason
                    cohere_usage(event.delta.usage, view)
                    if event.delta.error:
                        view["error"] = {"message": event.delta.error, "where": "mid-stream"}
            view["tool_calls"] = [
                {"id": c["id"], "name": c["name"], "arguments": parse_args(c["arguments"] or "{}")}
                for _, c in sorted(calls.items())
            ]
            if plan:
                notes["tool_plan"] = plan
        else:
            resp = client.chat(**kwargs)
            view["choices"] = 1
            msg = resp.message
            append(view, "reasoning_text", msg.tool_plan)  # the tool plan first, as reasoning
            for part in msg.content or []:
                if part.type == "text":
                    append(view, "text", part.text)
                elif part.type == "thinking":
                    append(view, "reasoning_text", part.thinking)
            view["tool_calls"] = [
                {
                    "id": tc.id,
                    "name": tc.function.name if tc.function else None,
                    "arguments": parse_args((tc.function.arguments if tc.function else None) or "{}"),
                }
                for tc in msg.tool_calls or []
            ]
            view["finish_reason"] = resp.finish_reason
            cohere_usage(resp.usage, view)
            if msg.tool_plan:
                notes["tool_plan"] = msg.tool_plan
    except ApiError as exc:
        view["error"] = {"message": error_message(exc), "where": "status"}
        notes["error_class"] = type(exc).__name__
    return {"view": view, "notes": notes}


def cohere_usage(usage: Any, view: dict[str, Any]) -> None:
    """usage.tokens (what the model processed) when present, else billed_units."""
    if usage is None:
        return
    source = usage.tokens or usage.billed_units
    if source is None:
        return

    def count(v: Any) -> Any:
        return int(v) if isinstance(v, float) and v.is_integer() else v  # the SDK types them float

    view["input_tokens"] = count(source.input_tokens)
    view["output_tokens"] = count(source.output_tokens)


# ------------------------------------------------------------------------------- ollama


def run_ollama(cap: Capture) -> dict[str, Any]:
    import ollama

    client = ollama.Client(host=BASE, transport=cap.transport(httpx))
    req = cap.request
    # Only the messages go along (the mock ignores the request; ollama-python validates
    # tools and options into its own models).
    kwargs: dict[str, Any] = {
        "model": cap.entry.get("model") or "llama3",
        "messages": req.get("messages") or [{"role": "user", "content": "Hi"}],
    }
    view = blank()
    notes: dict[str, Any] = {}
    try:
        if cap.sdk_stream:
            parts = client.chat(stream=True, **kwargs)
            lines = 0
            for part in parts:
                lines += 1
                ollama_part(part, view)
            notes["lines"] = lines
        else:
            ollama_part(client.chat(stream=False, **kwargs), view)
    except ollama.ResponseError as exc:
        view["error"] = {
            "message": exc.error,
            "where": "mid-stream" if view["choices"] else "status",
        }
        notes["error_class"] = type(exc).__name__
        notes["status_code"] = exc.status_code
    return {"view": view, "notes": notes}


def ollama_part(part: Any, view: dict[str, Any]) -> None:
    view["choices"] = 1
    msg = part.message
    if msg is not None:
        append(view, "text", msg.content)
        append(view, "reasoning_text", msg.thinking)
        for tc in msg.tool_calls or []:
            view["tool_calls"].append(
                {
                    # ollama-python's ToolCall has no id field: pydantic drops the id.
                    "id": getattr(tc, "id", None),
                    "name": tc.function.name,
                    "arguments": dict(tc.function.arguments or {}),
                }
            )
    if part.done:
        view["finish_reason"] = part.done_reason
        view["input_tokens"] = part.prompt_eval_count
        view["output_tokens"] = part.eval_count


# ----------------------------------------------------------------------------- bedrock


class RecordedBody:
    """The raw body botocore reads from an AWSResponse (urllib3's `stream()`), handed
    out in 7-byte pieces so event-stream frames and JSON arrive cut anywhere, as they
    can from a socket."""

    def __init__(self, body: bytes, size: int = 7):
        self.body = body
        self.size = size

    def stream(self, *_args: Any, **_kwargs: Any) -> Any:
        for i in range(0, len(self.body), self.size):
            yield self.body[i : i + self.size]

    def read(self, *_args: Any, **_kwargs: Any) -> bytes:
        return self.body

    def close(self) -> None:
        pass


def bedrock_kwargs(cap: Capture) -> dict[str, Any]:
    """The Converse parameters of the recorded request, in the shapes botocore validates
    (text blocks only: the mock ignores the request, but botocore checks it first)."""
    req = cap.request
    messages = []
    for msg in req.get("messages") or []:
        content = msg.get("content")
        if isinstance(content, str):
            content = [{"text": content}]
        blocks = [
            {"text": b["text"]}
            for b in content or []
            if isinstance(b, dict) and isinstance(b.get("text"), str)
        ]
        if blocks and msg.get("role") in ("user", "assistant"):
            messages.append({"role": msg["role"], "content": blocks})
    kwargs: dict[str, Any] = {
        "modelId": cap.entry.get("model") or "amazon.nova-micro-v1:0",
        "messages": messages or [{"role": "user", "content": [{"text": "Hi"}]}],
    }
    system = [s for s in req.get("system") or [] if isinstance(s, dict) and "text" in s]
    if system:
        kwargs["system"] = system
    inference = {
        k: v
        for k, v in (req.get("inferenceConfig") or {}).items()
        if k in ("maxTokens", "temperature", "topP", "stopSequences")
    }
    if inference:
        kwargs["inferenceConfig"] = inference
    tools = (req.get("toolConfig") or {}).get("tools")
    if isinstance(tools, list) and tools and all(isinstance(t, dict) and "toolSpec" in t for t in tools):
        kwargs["toolConfig"] = {"tools": tools}
    for key in ("additionalModelRequestFields", "guardrailConfig"):
        if req.get(key):
            kwargs[key] = req[key]
    return kwargs


def eventstream_frames(body: bytes) -> dict[str, Any]:
    """botocore's own frame decoder over the whole body: it checks each frame's prelude
    and message CRC32 (ChecksumMismatch otherwise, which fails the run)."""
    from botocore.eventstream import EventStreamBuffer

    buf = EventStreamBuffer()
    buf.add_data(body)
    frames = 0
    headers: set[str] = set()
    types: dict[str, int] = {}
    for message in buf:
        frames += 1
        headers.update(message.headers)
        name = message.headers.get(":event-type") or message.headers.get(":exception-type")
        kind = message.headers.get(":message-type")
        key = name if kind == "event" else f"{kind}:{name}"
        types[key] = types.get(key, 0) + 1
    return {"frames": frames, "crc": "ok", "frame_headers": sorted(headers), "frame_types": types}


def run_bedrock(cap: Capture) -> dict[str, Any]:
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config
    from botocore.exceptions import ClientError, EventStreamError

    session = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
    )
    client = session.client(
        "bedrock-runtime",
        endpoint_url=BASE,
        config=Config(retries={"total_max_attempts": 1}),
    )
    headers = {"content-type": cap.content_type}
    if cap.entry.get("error_type"):
        # Bedrock names the error class in this header, not in the body.
        headers["x-amzn-ErrorType"] = cap.entry["error_type"]

    def answer(request: Any, **_kwargs: Any) -> Any:
        cap.seen_urls.append(f"{request.method} {request.url}")
        if not request.url.startswith(BASE + "/"):
            raise RuntimeError(f"SDK tried to reach {request.url}")
        return AWSResponse(request.url, cap.status, headers, RecordedBody(cap.body))

    client.meta.events.register("before-send.bedrock-runtime.*", answer)
    kwargs = bedrock_kwargs(cap)
    view = blank()
    notes: dict[str, Any] = {}
    if cap.entry["stream"]:
        notes.update(eventstream_frames(cap.body))
    try:
        if cap.sdk_stream:
            resp = client.converse_stream(**kwargs)
            calls: dict[int, dict[str, Any]] = {}
            events: dict[str, int] = {}
            try:
                for event in resp["stream"]:
                    for name, data in event.items():
                        events[name] = events.get(name, 0) + 1
                        if name == "messageStart":
                            view["choices"] = 1
                        elif name == "contentBlockStart":
                            tool = (data.get("start") or {}).get("toolUse")
                            if tool:
                                calls[data["contentBlockIndex"]] = {
                                    "id": tool.get("toolUseId"),
                                    "name": tool.get("name"),
                                    "arguments": "",
                                }
                        elif name == "contentBlockDelta":
                            delta = data.get("delta") or {}
                            append(view, "text", delta.get("text"))
                            reasoning = delta.get("reasoningContent") or {}
                            append(view, "reasoning_text", reasoning.get("text"))
                            for part in ("redactedContent", "signature"):
                                if part in reasoning:
                                    notes[f"reasoning_{part}_deltas"] = notes.get(f"reasoning_{part}_deltas", 0) + 1
                            tool = delta.get("toolUse")
                            if tool is not None:
                                slot = calls.setdefault(
                                    data["contentBlockIndex"], {"id": None, "name": "", "arguments": ""}
                                )
                                slot["arguments"] += tool.get("input") or ""
                        elif name == "messageStop":
                            view["finish_reason"] = data.get("stopReason")
                        elif name == "metadata":
                            usage = data.get("usage") or {}
                            view["input_tokens"] = usage.get("inputTokens")
                            view["output_tokens"] = usage.get("outputTokens")
            except EventStreamError as exc:  # an exception frame (:message-type exception)
                view["error"] = {"message": exc.response["Error"].get("Message"), "where": "mid-stream"}
                notes["error_code"] = exc.response["Error"].get("Code")
            notes["events"] = events
            view["tool_calls"] = [
                {"id": c["id"], "name": c["name"], "arguments": parse_args(c["arguments"] or "{}")}
                for _, c in sorted(calls.items())
            ]
        else:
            resp = client.converse(**kwargs)
            message = (resp.get("output") or {}).get("message")
            if message is not None:
                view["choices"] = 1
                for block in message.get("content") or []:
                    append(view, "text", block.get("text"))
                    reasoning = block.get("reasoningContent") or {}
                    append(view, "reasoning_text", (reasoning.get("reasoningText") or {}).get("text"))
                    tool = block.get("toolUse")
                    if tool is not None:
                        view["tool_calls"].append(
                            {"id": tool.get("toolUseId"), "name": tool.get("name"), "arguments": tool.get("input")}
                        )
            view["finish_reason"] = resp.get("stopReason")
            usage = resp.get("usage") or {}
            view["input_tokens"] = usage.get("inputTokens")
            view["output_tokens"] = usage.get("outputTokens")
    except ClientError as exc:
        view["error"] = {"message": exc.response["Error"].get("Message"), "where": "status"}
        notes["error_code"] = exc.response["Error"].get("Code")
        notes["error_class"] = type(exc).__name__
        notes["status_code"] = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return {"view": view, "notes": notes}


# ------------------------------------------------------------------------------ compare

RUNNERS: dict[str, tuple[Callable[[Capture], dict[str, Any]], str]] = {
    "openai-chat": (run_openai, "openai"),
    "openai-responses": (run_openai_responses, "openai"),
    "anthropic-messages": (run_anthropic, "anthropic"),
    "gemini": (run_gemini, "google-genai"),
    "cohere-chat": (run_cohere, "cohere"),
    "ollama": (run_ollama, "ollama"),
    "bedrock-converse": (run_bedrock, "boto3"),
}


def normalise(field: str, value: Any) -> Any:
    if field == "text":
        return value or ""
    if field in ("reasoning_text", "refusal"):
        return value or None
    if field == "tool_calls":
        return [
            {"id": t.get("id"), "name": t.get("name"), "arguments": t.get("arguments")}
            for t in value or []
        ]
    return value


def compare(expected: dict[str, Any], view: dict[str, Any]) -> list[str]:
    bad = []
    for field in COMPARED:
        want = normalise(field, expected.get(field))
        got = normalise(field, view.get(field))
        if field == "error":
            same = (want is None) == (got is None) and (
                want is None
                or (want.get("where") == got.get("where") and want.get("message") == got.get("message"))
            )
        else:
            same = want == got
        if not same:
            bad.append(field)
    return bad


def short(value: Any, width: int = 70) -> str:
    text = value if isinstance(value, str) and value else json.dumps(value, ensure_ascii=False)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="print every compared field")
    ap.add_argument("--only", help="check only captures whose id contains this")
    ap.add_argument("--no-write", action="store_true", help="do not write sdk-check.json")
    args = ap.parse_args()

    known: dict[str, dict[str, str]] = json.loads(KNOWN.read_text()) if KNOWN.exists() else {}
    known = {k: v for k, v in known.items() if not k.startswith("_")}
    results: dict[str, Any] = {}
    rows: list[tuple[str, str, str, str, str]] = []
    counts = {"checked": 0, "agree": 0, "known": 0, "mismatch": 0, "na": 0}
    failures: list[str] = []
    seen_ids: set[str] = set()

    for fmt in FORMATS:
        runner, dist = RUNNERS[fmt]
        sdk = version(dist)
        for entry in json.loads((CAPTURES / fmt / "index.json").read_text()):
            cid = entry["id"]
            seen_ids.add(cid)
            if args.only and args.only not in cid:
                continue
            cap = Capture(fmt, entry)
            record: dict[str, Any] = {"sdk": sdk}
            try:
                out = runner(cap)
            except NotApplicable as exc:
                counts["na"] += 1
                record.update(agrees=None, not_applicable=str(exc), requests=cap.seen_urls)
                results[cid] = record
                rows.append((cid, "-", "-", "sdk: not applicable", short(str(exc), 72)))
                continue
            except Exception as exc:  # noqa: BLE001 - reported as a failure
                counts["checked"] += 1
                counts["mismatch"] += 1
                failures.append(f"{cid}: the SDK run crashed")
                record.update(
                    agrees=False,
                    crashed=f"{type(exc).__name__}: {exc}",
                    traceback=traceback.format_exc().splitlines()[-6:],
                )
                results[cid] = record
                rows.append((cid, "*", "-", f"crashed: {type(exc).__name__}: {exc}", "MISMATCH"))
                continue
            counts["checked"] += 1
            view, notes = out["view"], out["notes"]
            bad = compare(entry["expected"], view)
            allowed = known.get(cid, {})
            real = [f for f in bad if f not in allowed]
            documented = [f for f in bad if f in allowed]
            stale = [f for f in allowed if f not in bad]
            for f in stale:
                failures.append(f"{cid}.{f}: listed in known-differences.json but the SDK now agrees")
            for f in real:
                failures.append(f"{cid}.{f}: index and SDK differ")
            if real or stale:
                counts["mismatch"] += 1
            elif documented:
                counts["known"] += 1
            else:
                counts["agree"] += 1
            record.update(
                agrees=not bad,
                fields=view,
                notes=notes,
                requests=cap.seen_urls,
                mismatches=bad,  # every differing field, documented or not
                known_differences={f: allowed[f] for f in documented},
            )
            results[cid] = record
            for field in COMPARED if args.all else bad + stale:
                status = (
                    "MISMATCH" if field in real
                    else "known (sdk_differences)" if field in documented
                    else "STALE allow-list entry" if field in stale
                    else "ok"
                )
                rows.append(
                    (cid, field, short(entry["expected"].get(field)), short(view.get(field)), status)
                )

    for cid in known:
        if cid not in seen_ids:
            failures.append(f"{cid}: in known-differences.json but not in any index.json")

    headers = ("id", "field", "index says", "SDK says", "status")
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    widths = [min(w, 72) for w in widths]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
    documented_rows = [
        (cid, f, why)
        for cid, rec in results.items()
        for f, why in (rec.get("known_differences") or {}).items()
    ]
    if documented_rows:
        print("\nsdk_differences (scripts/captures/known-differences.json; not failures):")
        for cid, f, why in documented_rows:
            print(f"  {cid}.{f}: {why}")
    print()
    dists = dict.fromkeys(d for _, d in RUNNERS.values())
    print(
        "SDKs: " + ", ".join(version(d) for d in dists)
        + f", {version('botocore')}, {version('httpx2')}, {version('httpx')}"
    )
    print(
        f"{counts['checked']} captures checked, {counts['agree']} agree fully, "
        f"{counts['mismatch']} mismatches, {counts['known']} agree but for known differences, "
        f"{counts['na']} not applicable"
    )
    if not args.no_write and not args.only:
        OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {OUT.relative_to(ROOT)}")
    if failures:
        print("\nFAILED:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
