"""A toy API declared the way the bundled ones are: one unit, one `Api`, registered by the tests that use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wfmock import errors
from wfmock.apis.base import Api
from wfmock.apis.unit import ApiUnit, BuildContext, RunVocabulary
from wfmock.errors import ApiError
from wfmock.openapi.spec import ApiSpec
from wfmock.pipeline.replies import Reply, StreamReply
from wfmock.pipeline.request import Request
from wfmock.state import Session


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


class ToyApi(Api):
    """Answers `ping` with `{"pong": true}`; everything else is the pipeline's."""

    def error_reply(self, error: ApiError) -> Reply:
        code = self.code_for(error)
        status = self.status_for(error, code)
        return Reply(status, error_body(status, code, self.message_for(error, code, status)), headers=error.headers)

    async def handle(self, request: Request, session: Session) -> Reply | StreamReply:
        return Reply(200, {"pong": True})

    def reset(self) -> None:
        """The toy keeps nothing."""


def build(spec: ApiSpec, context: BuildContext) -> Api:
    return ToyApi(spec)


UNIT = ApiUnit(
    name="toy",
    label="toy",
    title="Toy API",
    prefixes=("/toy/",),
    document="toy",
    document_dir=Path(__file__).parent,
    build="tests.apis.toy.unit:build",
    generic_codes={
        errors.NOT_FOUND: "toy_not_found",
        errors.METHOD_NOT_ALLOWED: "toy_method_not_allowed",
        errors.UNAUTHORIZED: "toy_unauthorized",
        errors.RATE_LIMITED: "toy_too_many",
        errors.INVALID_REQUEST: "toy_invalid",
        errors.INTERNAL: "toy_broken",
        errors.UNAVAILABLE: "toy_sleeping",
    },
    error_body=error_body,
    credit_exhausted=("toy_sleeping", 503),
    run=RunVocabulary(statuses=()),
    checks="tests.apis.toy.checks",
)
ToyApi.unit = UNIT
