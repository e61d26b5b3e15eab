"""A ceiling on request bodies, before anything reads them.

A declared ``Content-Length`` above the limit is answered 413 at once, without reading a
byte; a body sent in chunks is counted as it arrives and refused with 413 the moment it
passes the limit (the route never gets the body; its transaction rolls back).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yutang.kit.errors import BAD_REQUEST, BODY_TOO_LARGE


def _error(code: str, message: str, **details: int) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "details": details}}).encode()


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    await _answer(
                        send, 400, _error(BAD_REQUEST, "The Content-Length header is not a number.")
                    )
                    return
                if int(value) > limit:
                    message = f"The body may hold at most {limit} bytes."
                    await _answer(send, 413, _error(BODY_TOO_LARGE, message, max_bytes=limit))
                    return
        received = 0
        refused = False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    # Answer now and tell the app the client went away: it stops reading,
                    # its transaction rolls back, and whatever it answers is dropped.
                    refused = True
                    message_text = f"The body may hold at most {limit} bytes."
                    await _answer(send, 413, _error(BODY_TOO_LARGE, message_text, max_bytes=limit))
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded)


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
