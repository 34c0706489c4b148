"""Retries of the steps that talk to the provider (``<stage>_batch``, ``<stage>_raw_output``).

The SDK already retries each call twice; a storm of 429s or 5xx outlasts that, so Dagster retries
the whole step, up to ``[retries] max_attempts`` tries in all, with exponential backoff and jitter.
Both steps are safe to repeat: submission reconciles with the provider before creating anything,
and harvest loads are idempotent. Errors a retry cannot fix (a refused budget, a bad request, a
config error) fail the step at once instead of waiting through every attempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import openai

from jobbatch_dagster.settings import Settings

TRANSIENT_ERRORS = (
    openai.APIConnectionError,  # includes timeouts
    openai.RateLimitError,
    openai.InternalServerError,
    openai.ConflictError,
)


def provider_retry_policy(settings: Settings) -> dg.RetryPolicy:
    return dg.RetryPolicy(
        max_retries=settings.retries.max_attempts - 1,
        delay=settings.retries.backoff_seconds,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


@contextmanager
def retry_only_transient_errors() -> Iterator[None]:
    """Let a transient provider error through to the retry policy; fail at once on any other."""
    try:
        yield
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        raise dg.Failure(
            description=f"{type(exc).__name__}: {exc} (not retried: trying again cannot fix it)",
            allow_retries=False,
        ) from exc
