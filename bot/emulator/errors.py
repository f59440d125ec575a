"""Errors the emulator answers with, and the one it must never produce."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: HTTP status + Telegram's description.

    ``violation`` marks errors that can only come from a bug in the calling bot (the request
    breaks the published spec), as opposed to errors a correct bot must expect at run time
    (message not found, blocked by the user, flood limits ...). ``rule`` names the rule of
    ``bot/emulator/README.md`` that refused the call; it becomes the violation's ``kind``.
    """

    def __init__(
        self,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        violation: bool = False,
        rule: str | None = None,
    ) -> None:
        super().__init__(description)
        self.rule = rule
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


def bad_request(detail: str, *, violation: bool = False, rule: str | None = None) -> ApiError:
    return ApiError(
        400, f"Bad Request: {detail}", violation=violation or rule is not None, rule=rule
    )


def forbidden(detail: str, *, rule: str | None = None) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}", violation=rule is not None, rule=rule)


def refuse(detail: str, rule: str) -> ApiError:
    """A 400 Telegram sends for a rule a correct bot keeps: counted as a spec violation."""
    return bad_request(detail, rule=rule)


class ControlError(Exception):
    """Bad input to the /_emu control API (answered with 400 and this message)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class EmulatorBug(AssertionError):
    """The emulator was about to send something Telegram never would (invalid per spec)."""
