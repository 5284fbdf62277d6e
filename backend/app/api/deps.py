from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from sqlalchemy.orm import Session

from app.core.config import Settings, get_settings
from app.core.db import get_session
from app.knowledge.schema import Bundle
from app.services.catalog import Catalog, get_catalog

SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def catalog_dep(session: SessionDep) -> Catalog:
    return get_catalog(session)


CatalogDep = Annotated[Catalog, Depends(catalog_dep)]


def bundle_or_404(catalog: Catalog, bundle_id: str) -> Bundle:
    bundle = catalog.bundles.get(bundle_id)
    if bundle is None:
        raise HTTPException(status_code=404, detail=f"没有编号为“{bundle_id[:64]}”的套餐")
    return bundle
