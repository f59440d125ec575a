"""Errors the emulator answers with, and the one it must never produce."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status + Telegram's description.

    ``violation`` marks errors that can only come from a bug in the calling bot (the request
    breaks the published spec), as opposed to errors a correct bot must expect at run time
    (message not found, blocked by the user, flood limits ...).
    """

    def __init__(
        self,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        violation: bool = False,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.violation = violation

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str, *, violation: bool = False) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}", violation=violation)


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


class ControlError(Exception):
    """Bad input to the /_emu control API (answered with 400 and this message)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class EmulatorBug(AssertionError):
    """The emulator was about to send something Telegram never would (invalid per spec)."""
