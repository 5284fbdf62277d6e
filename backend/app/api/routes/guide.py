"""The guided-service (办事链) API: one step of the question tree, and the checklist."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from app.api import convert
from app.api.deps import CatalogDep, SettingsDep, bundle_or_404
from app.schemas import knowledge as out
from app.services import checklist as checklist_service
from app.services.guide import coerce_answers, option_label, understand

router = APIRouter(prefix="/api/guide", tags=["guide"])


@router.post("/advance", response_model=out.AdvanceOut)
def advance(body: out.AdvanceIn, catalog: CatalogDep, settings: SettingsDep) -> out.AdvanceOut:
    """Apply the user's message to the answers so far; return the next question or the checklist link."""
    bundle = bundle_or_404(catalog, body.bundle_id)
    answers, problems = coerce_answers(bundle, dict(body.answers))
    if problems:
        raise HTTPException(status_code=422, detail="；".join(problems))
    chosen = None
    if body.choice is not None:
        picked, problems = coerce_answers(bundle, {body.choice.question_id: body.choice.value})
        if problems:
            raise HTTPException(status_code=422, detail="；".join(problems))
        chosen = next(iter(picked.items()))
    step = understand(bundle, answers, body.text, body.pending_question, chosen)
    complete = step.next_question is None
    return out.AdvanceOut(
        bundle=convert.bundle_summary(bundle),
        answers=step.answers,
        changes=[
            out.ChangeOut(
                question_id=c.question.id,
                question=c.question.text,
                value=c.value,
                label=option_label(c.question, c.value),
            )
            for c in step.changes
        ],
        understood=step.understood,
        next_question=None if complete else convert.question(step.next_question),  # type: ignore[arg-type]
        complete=complete,
        checklist_url=settings.base_url + checklist_service.checklist_path(bundle.id, step.answers)
        if complete
        else None,
    )


@router.post("/checklist", response_model=out.ChecklistOut)
def checklist(body: out.ChecklistIn, catalog: CatalogDep, settings: SettingsDep) -> out.ChecklistOut:
    bundle = bundle_or_404(catalog, body.bundle_id)
    answers, problems = coerce_answers(bundle, dict(body.answers))
    if problems:
        raise HTTPException(status_code=422, detail="；".join(problems))
    return convert.checklist(checklist_service.build(catalog, bundle, answers, settings.base_url))
