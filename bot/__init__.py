"""Banzu (班组助手): the core — settings, storage, services, texts, the Bot API emulator."""

import os

# Opt in now to PTB's next-major behaviour (RetryAfter.retry_after as a timedelta), which
# our flood controller already handles, instead of a deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
