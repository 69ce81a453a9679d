"""Adding documents over HTTP: `POST /documents` starts a job, `GET /documents/jobs/{id}` follows it.

The file and metadata are validated before the job is accepted (400/413/422 naming the file);
the job runs index.intake.add_and_publish in the background (one at a time) and, when done,
swaps the running server to the new snapshot (admin.load_and_swap).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from fastapi.responses import JSONResponse

from index.intake import Stage, add_and_publish, check_document, describe, intake_busy
from ingest.corpus import KINDS
from ingest.formats.read import SUPPORTED
from reform_search import limits
from reform_search.errors import CorpusError, DocumentError, IndexError_, ReformSearchError
from reform_search.settings import Settings
from search_api.admin import load_and_swap, require_admin
from search_api.deps import ApiError
from search_api.jobs import Job, JobRunner, Work
from search_api.schemas import ErrorResponse
from search_api.upload_page import router as page_router

log = logging.getLogger("reform_search.documents")


def require_uploader(request: Request, x_admin_key: Annotated[str | None, Header()] = None) -> None:
    """The admin key when one is set; otherwise only this machine, and no page of another site.

    Adding documents writes to the corpus: without a key a plain form on any web page could
    post to a local server (multipart needs no CORS preflight), so such requests are refused.
    """
    if request.app.state.settings.admin_key:
        require_admin(request, x_admin_key)
        return
    host = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    origin = request.headers.get("origin")
    if not local or (origin and urlsplit(origin).netloc != request.headers.get("host")):
        raise ApiError(403, "forbidden", "without an admin key documents can be added only from this machine's "
                                         "own pages; set REFORM_SEARCH_ADMIN_KEY to add them from elsewhere")


api = APIRouter(tags=["documents"], dependencies=[Depends(require_uploader)],
                responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}})
UPLOADS = "uploads"
_runner_lock = threading.Lock()
_YEAR_SPLIT = re.compile(r"[,、，\s]+")


def runner_of(state: Any) -> JobRunner:
    """The app's job runner, created on first use."""
    with _runner_lock:
        if getattr(state, "intake_jobs", None) is None:
            state.intake_jobs = JobRunner()
        return state.intake_jobs


def safe_name(raw: str | None) -> str:
    """The uploaded file's base name, fit to become a corpus file name; 400 otherwise."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", Path((raw or "").replace("\\", "/")).name).strip().lstrip(".")
    if not name:
        raise ApiError(400, "bad_request", "no file: send the document as the multipart field 'file' with its name")
    if len(name.encode("utf-8")) > 200:
        raise ApiError(400, "bad_request", f"{name[:40]}…: file name is too long (at most 200 bytes); rename the file")
    return name


def parse_years(name: str, values: list[str]) -> list[int]:
    """Fiscal years from repeated fields and/or comma lists ("2024,2025")."""
    years = []
    for v in (p for raw in values for p in _YEAR_SPLIT.split(raw.strip()) if p):
        if not v.isdigit():
            raise ApiError(422, "invalid_metadata", f"{name}: fiscal year {v!r} is not a Western year like 2025")
        years.append(int(v))
    if not years:
        raise ApiError(422, "invalid_metadata", f"{name}: give at least one fiscal year (e.g. 2025)")
    return years


def save_upload(upload: UploadFile, path: Path, limit: int, name: str) -> None:
    """Copy the upload to `path`; 413 naming the file when it is over `limit` bytes."""
    size = 0
    with path.open("wb") as out:
        while block := upload.file.read(1 << 20):
            size += len(block)
            if size > limit:
                raise ApiError(413, "payload_too_large", f"{name}: file is larger than the upload limit of "
                                                         f"{limit:,} bytes (REFORM_SEARCH_UPLOAD_MAX_BYTES)")
            out.write(block)


def _job_work(state: Any, settings: Settings, path: Path, name: str, meta: dict[str, Any]
              ) -> tuple[Work, Callable[[BaseException], str]]:
    """The job body: add and publish, then swap the server to the new snapshot."""

    def work(progress: Any) -> dict[str, Any]:
        def relay(s: Stage) -> None:  # "done" only once the server serves the new snapshot
            progress(Stage("publishing", message="switching the server to the new snapshot") if s.name == "done" else s)

        try:
            report = add_and_publish(settings, path, name=name, progress=relay, **meta)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        try:
            new, _old = load_and_swap(state)
        except IndexError_ as e:
            raise IndexError_(f"added as snapshot {report.snapshot}, but the server could not switch to it: {e}; "
                              "run `reform-search reload`") from e
        d = report.document
        return {**report.to_dict(), "serving": new.index_dir.name,
                "source_url": f"/source/{quote(d.id, safe='')}",
                "search_url": "/?" + urlencode({"q": d.title, "city": d.city}),
                "message": f"{d.id}: {report.initiatives} initiatives, {report.chunks} chunks; "
                           f"serving snapshot {new.index_dir.name}"}

    def explain(e: BaseException) -> str:
        if isinstance(e, ReformSearchError):
            return describe(e, name)
        log.error("adding %s failed", name, exc_info=e)
        return f"{name}: unexpected error ({type(e).__name__}); see the server log"

    return work, explain


@api.post("/documents", status_code=202, responses={400: {"model": ErrorResponse}, 409: {"model": ErrorResponse},
                                                    413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
def add_document_job(
    request: Request,
    file: Annotated[UploadFile | None, File(description=f"the document ({', '.join(SUPPORTED)})")] = None,
    # Declared as the corpus checks them (add_document, parse_years): refused with 422 naming the file.
    city: Annotated[str, Form(json_schema_extra={"minLength": 1, "pattern": limits.NON_BLANK})] = "",
    kind: Annotated[str, Form(description=", ".join(KINDS), json_schema_extra={"enum": list(KINDS)})] = "",
    year: Annotated[list[str] | None, Form(description="fiscal year(s): repeat the field or '2024,2025'",
                                           json_schema_extra={"minItems": 1})] = None,
    title: Annotated[str | None, Form()] = None,
    url: Annotated[str | None, Form()] = None,
    doc_id: Annotated[str | None, Form(alias="id")] = None,
) -> JSONResponse:
    """Validate the document and its metadata, then add it in the background (202 + a status URL)."""
    state = request.app.state
    settings: Settings = state.settings
    if file is None:
        raise ApiError(400, "bad_request", "no file: send the document as the multipart field 'file'")
    name = safe_name(file.filename)
    years = parse_years(name, year or [])
    runner = runner_of(state)
    if runner.waiting() >= runner.max_waiting:
        raise ApiError(409, "busy", f"{name}: {runner.waiting()} uploads are already waiting; try again later")
    if runner.idle() and intake_busy(settings):
        raise ApiError(409, "busy", f"{name}: another document is being added (reform-search add?); try again later")
    job = Job(file=name)
    folder = settings.data_dir / UPLOADS / job.id
    folder.mkdir(parents=True)
    path = folder / name
    meta = {"city": city.strip(), "kind": kind.strip(), "fiscal_years": years, "title": (title or "").strip() or None,
            "doc_id": (doc_id or "").strip() or None, "url": (url or "").strip() or None}
    try:
        save_upload(file, path, settings.upload_max_bytes, name)
        doc = check_document(settings, path, **meta)
    except BaseException as e:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(e, DocumentError):
            raise ApiError(422, "invalid_document", describe(e, name)) from e
        if isinstance(e, CorpusError):
            raise ApiError(422, "invalid_metadata", describe(e, name)) from e
        raise
    runner.submit(job, *_job_work(state, settings, path, name, meta))
    status_url = f"/documents/jobs/{job.id}"
    return JSONResponse({"job_id": job.id, "status_url": status_url, "status": "queued", "document_id": doc.id},
                        status_code=202, headers={"Location": status_url})


@api.get("/documents/jobs/{job_id}", responses={404: {"model": ErrorResponse}})
def job_status(request: Request, job_id: str) -> dict[str, Any]:
    """Where an add is: queued, validating, ingesting n/total, embedding n/total, publishing, done or failed."""
    job = runner_of(request.app.state).get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job {job_id!r} (jobs are kept in memory until the server restarts)")
    return job


router = APIRouter()
router.include_router(api)
router.include_router(page_router)
