"""Facts of the OpenAI Files + Batches API contract, defined once.

Both sides of the wire read these: the engine (``batch/``) to stay inside the limits and to know which
states are final, and the emulator (``emulator/``) to enforce the same limits and walk the same states.
This module holds constants only, so importing it couples neither side to the other.
"""

from __future__ import annotations

from typing import Final, Literal

MAX_REQUESTS_PER_BATCH: Final = 50_000
MAX_BATCH_FILE_BYTES: Final = 200 * 1024 * 1024  # 209,715,200 bytes
MAX_BATCHES_PER_HOUR: Final = 2_000  # batch creations per organisation and hour
MAX_METADATA_PAIRS: Final = 16
MAX_METADATA_KEY_CHARS: Final = 64
MAX_METADATA_VALUE_CHARS: Final = 512

# Enqueued prompt tokens one organisation may have waiting in batches per model (OpenAI calls it the
# "batch queue limit"), by usage tier. From OpenAI's model page for gpt-4o-mini and its rate-limit
# guide, as quoted in community.openai.com threads 1269349 (tiers 1-5, 2025) and 1028595 (tier 1,
# 2024); OpenAI's own pages cannot be fetched from here. A model missing here has no default limit.
USAGE_TIERS: Final = (1, 2, 3, 4, 5)
BATCH_QUEUE_LIMITS: Final[dict[str, dict[int, int]]] = {
    "gpt-4o-mini": {
        1: 2_000_000,
        2: 20_000_000,
        3: 40_000_000,
        4: 1_000_000_000,
        5: 15_000_000_000,
    },
    "gpt-4o": {1: 90_000},
}

COMPLETION_WINDOW: Final = "24h"
COMPLETION_WINDOW_SECONDS: Final = 24 * 60 * 60
BATCH_FILE_DEFAULT_TTL_SECONDS: Final = 30 * 24 * 60 * 60

CHAT_COMPLETIONS_ENDPOINT: Final = "/v1/chat/completions"
BATCH_ENDPOINTS: Final = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
)

FILE_PURPOSE_BATCH: Final = "batch"
FILE_PURPOSE_BATCH_OUTPUT: Final = "batch_output"

BatchStatus = Literal[
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
]
TERMINAL_STATUSES: Final = frozenset({"completed", "failed", "expired", "cancelled"})
ACTIVE_STATUSES: Final = frozenset({"validating", "in_progress", "finalizing", "cancelling"})

# Every emulator response carries this header, and every chat completion it writes carries a
# system_fingerprint starting with EMULATOR_FINGERPRINT_PREFIX, so rule-based answers can never be
# mistaken for a model's. The engine reads the header to record the backend of each batch.
EMULATOR_HEADER: Final = "x-jobbatch-emulator"
EMULATOR_FINGERPRINT_PREFIX: Final = "fp_jobbatch_emulator"
