"""The morning after: live, multi-turn follow-up on the best leads (the guide's third stage).

``ConversationalLeadAgent`` keeps one conversation per lead in the warehouse's
``lead_conversations`` table. No Dagster here: the CLI (``jobbatch leads``) and plain Python use it.
"""

from jobbatch_dagster.followup.agent import Conversation, ConversationalLeadAgent
from jobbatch_dagster.followup.leads import UnknownLeadError

__all__ = ["Conversation", "ConversationalLeadAgent", "UnknownLeadError"]
