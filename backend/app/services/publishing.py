"""Load knowledge/ from disk, validate it and publish it as the live version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.knowledge.loader import fingerprint, load_knowledge
from app.repositories import knowledge as repo


@dataclass(frozen=True)
class PublishResult:
    changed: bool
    version: int
    summary: str


def publish_from_disk(session: Session, root: Path) -> PublishResult:
    """Raises KnowledgeError (nothing written) when the files do not validate."""
    kb = load_knowledge(root)
    changed = repo.publish(session, kb, fingerprint(root))
    session.commit()
    live = repo.live_version(session)
    assert live is not None
    return PublishResult(changed=changed, version=live.id, summary=live.summary)
