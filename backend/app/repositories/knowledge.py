"""Publish a validated knowledge base into the database and read it back.

Publishing is idempotent: the same files (same fingerprint) change nothing;
changed files are merged row by row and rows that disappeared are deleted, all
in one transaction, so readers never see half a knowledge base.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import models
from app.knowledge import schema


def live_version(session: Session) -> models.KnowledgeVersion | None:
    newest = session.scalar(select(func.max(models.KnowledgeVersion.id)))
    return None if newest is None else session.get(models.KnowledgeVersion, newest)


def _merge(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> tuple[type[Any], set[str]]:
    for row in rows:
        session.merge(model(**row))
    session.flush()
    return model, {row["id"] for row in rows}


def publish(session: Session, kb: schema.KnowledgeBase, fingerprint: str) -> bool:
    """Write ``kb`` as the live version; False if it is already live."""
    current = live_version(session)
    if current is not None and current.fingerprint == fingerprint:
        return False
    dump = lambda item: item.model_dump(mode="json", exclude_none=False)  # noqa: E731
    # Parents first when merging, children first when deleting: the FKs decide the order.
    synced: list[tuple[type[Any], set[str]]] = []
    synced.append(_merge(session, models.Stage, [dump(s) for s in kb.stages]))
    synced.append(
        _merge(
            session,
            models.Department,
            [{**dump(d), "is_sample": kb.sample_departments} for d in kb.departments],
        )
    )
    synced.append(_merge(session, models.Material, [dump(m) for m in kb.materials]))
    synced.append(
        _merge(
            session,
            models.Matter,
            [
                {
                    **{k: v for k, v in m.model_dump(mode="python").items() if k not in ("stage", "department")},
                    "stage_id": m.stage,
                    "department_id": m.department,
                }
                for m in kb.matters
            ],
        )
    )
    synced.append(
        _merge(
            session,
            models.Industry,
            [
                {
                    "id": i.id,
                    "name": i.name,
                    "description": i.description,
                    "lead_department_id": i.lead_department,
                    "aliases": i.aliases,
                    "bundle_id": i.bundle,
                    "position": n,
                }
                for n, i in enumerate(kb.industries)
            ],
        )
    )
    synced.append(
        _merge(
            session,
            models.Bundle,
            [
                {
                    **{k: v for k, v in dump(b).items() if k != "industry"},
                    "industry_id": b.industry,
                    "position": n,
                }
                for n, b in enumerate(kb.bundles)
            ],
        )
    )
    synced.append(_merge(session, models.Policy, [_policy_row(p, n) for n, p in enumerate(kb.policies)]))
    for model, keep in reversed(synced):
        session.execute(delete(model).where(model.id.not_in(keep)))
    summary = f"{len(kb.industries)} industries, {len(kb.bundles)} bundles, {len(kb.matters)} matters"
    session.add(models.KnowledgeVersion(fingerprint=fingerprint, summary=summary))
    session.flush()
    return True


def read(session: Session) -> schema.KnowledgeBase:
    """The live knowledge base, rebuilt from the database rows."""
    departments = session.scalars(select(models.Department).order_by(models.Department.id)).all()
    return schema.KnowledgeBase(
        stages=[
            schema.Stage(id=s.id, name=s.name, order=s.order)
            for s in session.scalars(select(models.Stage).order_by(models.Stage.order))
        ],
        departments=[
            schema.Department(
                id=d.id,
                name=d.name,
                short_name=d.short_name,
                aliases=d.aliases,
                address=d.address,
                window=d.window,
                phone=d.phone,
                hours=d.hours,
                online_url=d.online_url,
                service_center=d.service_center,
                handles=d.handles,
            )
            for d in departments
        ],
        industries=[
            schema.Industry(
                id=i.id,
                name=i.name,
                description=i.description,
                lead_department=i.lead_department_id,
                aliases=i.aliases,
                bundle=i.bundle_id,
            )
            for i in session.scalars(select(models.Industry).order_by(models.Industry.position))
        ],
        materials=[
            schema.Material(id=m.id, name=m.name, source=m.source, notes=m.notes)
            for m in session.scalars(select(models.Material))
        ],
        matters=[
            schema.Matter(
                id=m.id,
                name=m.name,
                stage=m.stage_id,
                department=m.department_id,
                legal_time_limit=m.legal_time_limit,
                promised_time_limit=m.promised_time_limit,
                fee=m.fee,
                online_url=m.online_url,
                basis=m.basis,
                notes=m.notes,
                materials=m.materials,
                aliases=m.aliases or [],
                sources=m.sources,
                reviewed_on=m.reviewed_on,
                reviewed_by=m.reviewed_by,
                verification=m.verification,
                replaces=m.replaces,
                superseded_by=m.superseded_by,
            )
            for m in session.scalars(select(models.Matter))
        ],
        bundles=[
            schema.Bundle(
                id=b.id,
                name=b.name,
                short_name=b.short_name,
                industry=b.industry_id,
                stages=b.stages,
                description=b.description,
                aliases=b.aliases,
                questions=b.questions,
                matters=b.matters,
                notes=b.notes,
            )
            for b in session.scalars(select(models.Bundle).order_by(models.Bundle.position))
        ],
        policies=[_policy(p) for p in session.scalars(select(models.Policy).order_by(models.Policy.position))],
        sample_departments=bool(departments and departments[0].is_sample),
    )


def _policy_row(policy: schema.Policy, position: int) -> dict[str, Any]:
    row = policy.model_dump(mode="python")
    row["department_id"] = row.pop("department")
    return {**row, "position": position}


def _policy(row: models.Policy) -> schema.Policy:
    columns = {c.key for c in models.Policy.__table__.columns} - {"department_id", "position"}
    return schema.Policy.model_validate({**{c: getattr(row, c) for c in columns}, "department": row.department_id})
