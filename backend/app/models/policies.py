"""The published snapshot of ``knowledge/policies/``.

Scalar 申报指南 fields and the dates the engine filters on are columns; lists and
the machine-readable criteria are JSON (read whole, shape enforced by the pydantic
schema on load).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Policy(Base):
    __tablename__ = "policies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(16), index=True)
    theme: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
    document_number: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    eligibility: Mapped[str] = mapped_column(Text)
    support: Mapped[str] = mapped_column(Text)
    support_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    choose_one: Mapped[bool] = mapped_column(Boolean, default=False)
    materials: Mapped[list[str]] = mapped_column(JSON)
    application_period: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    procedure: Mapped[list[str]] = mapped_column(JSON)
    authority: Mapped[str] = mapped_column(Text)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    phone: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date, index=True)
    apply_from: Mapped[date | None] = mapped_column(Date)
    apply_to: Mapped[date | None] = mapped_column(Date)
    annual_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    year_round: Mapped[bool] = mapped_column(Boolean, default=False)
    no_application: Mapped[bool] = mapped_column(Boolean, default=False)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)
    manual_checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reviewed_on: Mapped[date] = mapped_column(Date, index=True)
    reviewed_by: Mapped[str] = mapped_column(Text)
    verification: Mapped[str] = mapped_column(String(32), index=True)
    replaces: Mapped[list[str]] = mapped_column(JSON, default=list)
    superseded_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
