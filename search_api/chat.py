"""OpenAI-compatible chat endpoints, so existing chat frontends can use reform-search."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from index.generate import generated_answer
from index.qa import Answer
from ingest.paging import page_label
from search_api.deps import ApiError, SearcherDep
from search_api.schemas import ChatRequest, UserMessage

router = APIRouter(prefix="/v1", tags=["openai"])
MODEL_ID = "reform-search"


def to_markdown(a: Answer) -> str:
    """The answer followed by a numbered citation list that matches its [n] markers."""
    if not a.answerable:
        return a.answer
    lines = [a.answer, "", "**出典**"]
    for n, h in enumerate(a.citations, 1):
        page = f"{page_label(h.page, h.page_end)}・" if h.page else ""
        lines.append(f"{n}. {h.city}『{h.document_title}』{h.label}（{page}{h.source.file} {h.source.line_start}行目）")
    return "\n".join(lines)


@router.get("/models")
def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "reform-search"}]}


def _chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def stream(cid: str, created: int, content: str, piece: int = 24) -> Iterator[str]:
    yield _chunk(cid, created, {"role": "assistant", "content": ""})
    for i in range(0, len(content), piece):
        yield _chunk(cid, created, {"content": content[i : i + piece]})
    yield _chunk(cid, created, {}, "stop")
    yield "data: [DONE]\n\n"


_SSE_EVENT = {"type": "object", "required": ["data"], "properties": {
    "data": {"type": "string", "description": "a chat.completion.chunk as JSON, finally [DONE]"}}}


@router.post("/chat/completions", response_model=None,
             responses={200: {"content": {"text/event-stream": {"schema": _SSE_EVENT}}}})  # with stream: true
async def chat_completions(body: ChatRequest, searcher: SearcherDep) -> Any:
    """The last user message is the question; the reply is Markdown with quotes and sources."""
    users = [m.content for m in body.messages if isinstance(m, UserMessage) and m.content and m.content.strip()]
    if not users:
        raise ApiError(422, "validation_error", "messages must contain a non-empty user message")
    question = users[-1].strip()  # within limits.QUERY_MAX_CHARS (schemas.UserMessage)
    answer = await run_in_threadpool(generated_answer, searcher, question)
    content = to_markdown(answer)
    cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if body.stream:
        return StreamingResponse(stream(cid, created, content), media_type="text/event-stream")
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(question), "completion_tokens": len(content),
                  "total_tokens": len(question) + len(content)},
    }
