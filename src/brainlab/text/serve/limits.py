"""Request-size limits as ASGI middleware: a body over its limit gets 413 before it is
read in full (by Content-Length when the client sends one, by counting chunks otherwise),
so a 10 MB post never sits in memory and the app only ever sees bodies within the limit."""
import json


async def send_json(send, status, payload):
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuses request bodies over `max_bytes` (per path in `per_path`) with 413; a body
    within the limit is read here and handed on unchanged."""

    def __init__(self, app, max_bytes, per_path=None):
        self.app, self.max_bytes, self.per_path = app, int(max_bytes), dict(per_path or {})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        limit = self.per_path.get(scope["path"], self.max_bytes)
        refusal = {"error": f"request body over the limit of {limit} bytes"}
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await send_json(send, 413, refusal)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return                      # the client left mid-request: nothing to answer
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                return await send_json(send, 413, refusal)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
