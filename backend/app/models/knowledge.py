"""The published snapshot of ``knowledge/``.

Question trees, conditions and per-matter material lists are stored as JSON:
they are read whole, never queried piecewise, and their shape is enforced by
the pydantic schema on load.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Stage(Base):
    __tablename__ = "stages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    order: Mapped[int] = mapped_column(Integer)


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(Text)
    window: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text)
    hours: Mapped[str] = mapped_column(Text)
    online_url: Mapped[str | None] = mapped_column(Text)
    service_center: Mapped[bool] = mapped_column(Boolean, default=False)
    handles: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=True)


class Industry(Base):
    __tablename__ = "industries"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    lead_department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    bundle_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class Material(Base):
    __tablename__ = "materials"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Matter(Base):
    __tablename__ = "matters"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    stage_id: Mapped[str] = mapped_column(ForeignKey("stages.id"))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    legal_time_limit: Mapped[str] = mapped_column(Text)
    promised_time_limit: Mapped[str] = mapped_column(Text)
    fee: Mapped[str] = mapped_column(Text)
    online_url: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reviewed_on: Mapped[date] = mapped_column(Date)
    reviewed_by: Mapped[str] = mapped_column(Text)
    verification: Mapped[str] = mapped_column(String(32))
    replaces: Mapped[list[str]] = mapped_column(JSON, default=list)
    superseded_by: Mapped[list[str]] = mapped_column(JSON, default=list)


class Bundle(Base):
    __tablename__ = "bundles"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(String(64))
    industry_id: Mapped[str | None] = mapped_column(String(64))
    stages: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    matters: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer)


class KnowledgeVersion(Base):
    """One row per load that changed something; the newest row is the live version."""

    __tablename__ = "knowledge_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    summary: Mapped[str] = mapped_column(Text)
