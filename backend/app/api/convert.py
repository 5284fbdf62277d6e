"""Service objects → API bodies."""

from __future__ import annotations

from app.knowledge.provenance import Basis, Provenance, basis
from app.knowledge.schema import Bundle, Department, Question
from app.schemas import knowledge as out
from app.services.checklist import Checklist


def department(d: Department, is_sample: bool) -> out.DepartmentOut:
    return out.DepartmentOut(
        id=d.id,
        name=d.name,
        short_name=d.short_name,
        address=d.address,
        window=d.window,
        phone=d.phone,
        hours=d.hours,
        online_url=d.online_url,
        is_sample=is_sample,
    )


def provenance(item: Provenance | Basis) -> out.ProvenanceOut:
    view = item if isinstance(item, Basis) else basis(item)
    return out.ProvenanceOut(
        sources=[
            out.SourceOut(
                title=s.title,
                doc_number=s.doc_number,
                issuer=s.issuer,
                articles=s.articles,
                url=s.url,
                superseded=s.superseded,
                superseded_by=s.superseded_by,
                citation=s.citation,
            )
            for s in view.sources
        ],
        reviewed_on=view.reviewed_on,
        reviewed_on_text=view.reviewed_on_text,
        reviewed_by=view.reviewed_by,
        verification=view.verification,
        verification_label=view.verification_label,
        caveat=view.caveat,
        text=view.text,
    )


def bundle_summary(b: Bundle) -> out.BundleSummary:
    return out.BundleSummary(
        id=b.id, name=b.name, short_name=b.short_name, industry=b.industry, description=b.description
    )


def question(q: Question) -> out.QuestionOut:
    return out.QuestionOut(
        id=q.id,
        text=q.text,
        help=q.help,
        type=q.type,
        unit=q.unit,
        options=[out.OptionOut(value=o.value, label=o.label) for o in q.options],
    )


def bundle(b: Bundle) -> out.BundleOut:
    return out.BundleOut(
        **bundle_summary(b).model_dump(), stages=b.stages, questions=[question(q) for q in b.questions]
    )


def checklist(c: Checklist) -> out.ChecklistOut:
    return out.ChecklistOut(
        bundle=bundle_summary(c.bundle),
        situation=[out.SituationOut(question=q, answer=a) for q, a in c.situation],
        complete=c.complete,
        missing_questions=c.missing_questions,
        matters=[
            out.MatterOut(
                id=m.id,
                name=m.name,
                stage=m.stage,
                department=department(m.department, c.sample_departments),
                legal_time_limit=m.legal_time_limit,
                promised_time_limit=m.promised_time_limit,
                fee=m.fee,
                online_url=m.online_url,
                basis=m.basis,
                notes=m.notes,
                materials=[out.MaterialOut(**vars(x)) for x in m.materials],
                provenance=provenance(m.provenance),
            )
            for m in c.matters
        ],
        material_count=c.material_count,
        notes=c.notes,
        url=c.url,
        sample_departments=c.sample_departments,
    )
