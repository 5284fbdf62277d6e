"""``python -m app.cli migrate|load-knowledge|setup|check-migrations``: database set-up for make targets."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.core.config import get_settings
from app.core.db import session_factory
from app.knowledge.loader import KnowledgeError
from app.services.publishing import publish_from_disk

BACKEND_DIR = Path(__file__).resolve().parents[1]


def _config(database_url: str | None) -> Config:
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(BACKEND_DIR / "alembic"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


def migrate(database_url: str | None = None) -> None:
    command.upgrade(_config(database_url), "head")


def check_migrations(database_url: str | None = None) -> None:
    """``alembic check``: the models and the migrations describe the same schema (raises otherwise)."""
    command.check(_config(database_url))


def load_knowledge() -> int:
    settings = get_settings()
    session = session_factory(settings.database_url)()
    try:
        result = publish_from_disk(session, settings.knowledge_dir)
    except KnowledgeError as error:
        print("知识库校验未通过，数据库未作更改：", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    finally:
        session.close()
    state = "已更新" if result.changed else "无变化"
    print(f"知识库{state}：版本 {result.version}（{result.summary}）")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["migrate"]:
        migrate()
        return 0
    if argv == ["load-knowledge"]:
        return load_knowledge()
    if argv == ["check-migrations"]:
        migrate()
        check_migrations()
        print("迁移与模型一致（alembic check 通过）")
        return 0
    if argv == ["setup"]:
        migrate()
        return load_knowledge()
    print("用法: python -m app.cli migrate|load-knowledge|setup|check-migrations", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
