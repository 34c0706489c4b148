"""The lead profile: what the user sells and to whom. It is the static, cacheable part of every prompt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LeadProfile:
    """Who counts as a lead. Read from the ``[lead_profile]`` table of the project config."""

    name: str = "Small automation agency"
    offer: str = (
        "We automate repetitive office work for small and mid-sized businesses: data entry, "
        "spreadsheet and order processing, invoicing, CRM updates, reporting and integrations "
        "between the tools they already use."
    )
    ideal_customer: str = (
        "Owner-led businesses (1-200 staff) hiring someone to do manual, repetitive, "
        "rule-based work, especially when they need it urgently."
    )
    fit_signals: tuple[str, ...] = (
        "data entry",
        "excel",
        "spreadsheet",
        "manual",
        "repetitive",
        "copy and paste",
        "invoice",
        "orders",
        "bookkeeping",
        "crm",
        "quickbooks",
        "reports",
        "admin assistant",
        "back office",
    )
    disqualifiers: tuple[str, ...] = (
        "senior software engineer",
        "staff engineer",
        "principal engineer",
        "phd",
        "security clearance",
        "fortune 500",
        "10,000+ employees",
    )
    average_deal_value_usd: int = 6000
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> LeadProfile:
        """Build a profile from a config table; missing keys keep their defaults, unknown keys are kept in ``extra``."""
        if not data:
            return cls()
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key in known:
                kwargs[key] = tuple(value) if isinstance(value, list) else value
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**kwargs, extra=extra)

    def as_prompt_section(self) -> str:
        """The profile as stable text, placed in the system prompt before anything that varies."""
        return "\n".join(
            [
                f"Seller: {self.name}",
                f"Offer: {self.offer}",
                f"Ideal customer: {self.ideal_customer}",
                f"Fit signals: {', '.join(self.fit_signals)}",
                f"Disqualifiers: {', '.join(self.disqualifiers)}",
                f"Average deal value (USD): {self.average_deal_value_usd}",
            ]
        )
