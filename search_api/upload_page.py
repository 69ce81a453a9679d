"""The upload page (`/upload`): a form whose script posts to `POST /documents` and follows the job."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ingest.corpus import KINDS
from ingest.formats.read import SUPPORTED
from search_api.ui.display import KIND_LABELS
from search_api.ui.render import page

router = APIRouter(include_in_schema=False)
ACCEPT = ",".join(SUPPORTED)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> Response:
    """File, city, kind, years and title; the admin key field only when the server requires one
    (without a key, documents can be added only from this machine: see documents.require_uploader)."""
    settings = request.app.state.settings
    return page(request, "upload.html", active="upload", all_kinds=[(k, KIND_LABELS.get(k, k)) for k in KINDS],
                needs_key=bool(settings.admin_key), max_mb=settings.upload_max_bytes / (1 << 20), accept=ACCEPT)
