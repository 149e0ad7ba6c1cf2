"""An error answer from a sandbox API, as Alibaba Cloud sends it."""
from __future__ import annotations


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, *, retry_after_ms: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.retry_after_ms = retry_after_ms


def missing_parameter(name: str) -> ApiError:
    return ApiError("MissingParameter",
                    f'The input parameter "{name}" that is mandatory for processing this request is not supplied.')


def invalid_parameter(name: str, detail: str) -> ApiError:
    return ApiError("InvalidParameter", f'The specified parameter "{name}" is not valid. {detail}'.strip())
