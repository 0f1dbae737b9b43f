"""A provider with a queue of answers (the LLM seam's one fake): each call takes the next answer, an
exception in the queue is raised instead, and every request is kept for the test to read."""

from __future__ import annotations

from typing import Any

from nevo.providers import Request, Response


class QueuedProvider:
    name = "queued"

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Response:
        self.requests.append(request)
        if not self.answers:
            raise AssertionError(f"no answer queued for this request: {request.task[:80]}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Response(answer, self.name, "queued-model")
