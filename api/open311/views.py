"""/open311: discovery, and GeoReport v2 under /open311/v2 (services, definitions, requests, tokens)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import Blueprint, current_app, request

from api.open311 import params as p
from api.open311 import queries, serializers
from api.open311.errors import Open311Error, bad_request, error_response, from_domain
from api.open311.filing import intake_request
from api.open311.formats import FORMATS, render
from api.open311.partners import authenticate
from api.open311.questions import questions_for
from hotline.errors import HotlineError
from hotline.store.db import utcnow
from hotline.work.intake import open_ticket

bp = Blueprint("open311", __name__, url_prefix="/open311")
LANGS = ("zh", "en")
# When this description of the endpoint last changed (discovery's changeset).
CHANGESET = "2026-12-01T00:00:00+08:00"
_REFERENCE = re.compile(r"[0-9]{1,16}")
MAX_IDS = 200


@bp.record_once
def _load_questions(state) -> None:
    """Read and check service_questions.yaml when the app is built, so a bad file stops start-up."""
    questions_for(state.app.extensions["hotline"].core.taxonomy)


def services():
    """The process's services (config, core, database)."""
    return current_app.extensions["hotline"]


def now() -> datetime:
    """The entrypoint's clock; tests replace it with app.extensions['open311_clock']."""
    clock = current_app.extensions.get("open311_clock")
    return clock() if clock else utcnow()


def lang() -> str:
    """zh unless the partner's Accept-Language prefers English (open311.github.io issue 17)."""
    # By the primary subtag, best quality first: "zh-CN,en;q=0.8" is Chinese (werkzeug's best_match would
    # prefer the exact "en" over the regional "zh-CN").
    for value, quality in request.accept_languages:  # already sorted by quality
        primary = value.split("-", 1)[0].lower()
        if quality > 0 and (primary in LANGS or primary == "*"):
            return "zh" if primary == "*" else primary
    return "zh"


def fmt_of(fmt: str) -> str:
    """The response format named by the URL's extension; 404 for any other."""
    if fmt not in FORMATS:
        raise Open311Error(404, f"unknown format {fmt[:20]!r}: use .xml or .json")
    return fmt


def check_jurisdiction(params: p.Params) -> None:
    """A jurisdiction_id other than ours names something we do not serve: 404."""
    given = params.get("jurisdiction_id")
    expected = services().config.open311.jurisdiction_id
    if given is not None and given != expected:
        raise Open311Error(404, f"jurisdiction_id: unknown jurisdiction {given[:60]!r}; this endpoint serves "
                                f"{expected!r}")


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    return error_response(exc.status, exc.description)


@bp.errorhandler(HotlineError)
def _domain_error(exc: HotlineError):
    err = from_domain(exc)
    return error_response(err.status, err.description)


@bp.get("/discovery.<fmt>")
@bp.get("/v2/discovery.<fmt>")
def discovery(fmt: str):
    """Where the GeoReport v2 endpoint is and which formats it speaks."""
    fmt = fmt_of(fmt)
    p.query_params()  # refuse undecodable input here too
    return render(fmt, "discovery", None, serializers.discovery(services().config, CHANGESET))


@bp.get("/v2/services.<fmt>")
def service_list(fmt: str):
    """Every service code, in the partner's language."""
    fmt = fmt_of(fmt)
    check_jurisdiction(p.query_params())
    svc, language = services(), lang()
    taxonomy = svc.core.taxonomy
    questions = questions_for(taxonomy)
    items = [serializers.service(code, taxonomy, svc.config, language, bool(questions.get(code.code)))
             for code in taxonomy.codes.values()]
    return render(fmt, "services", "service", items)


@bp.get("/v2/services/<code>.<fmt>")
def service_definition(code: str, fmt: str):
    """The questions a service asks beyond the description."""
    fmt = fmt_of(fmt)
    check_jurisdiction(p.query_params())
    svc = services()
    code_def = svc.core.taxonomy.get(code)
    if code_def is None:
        raise Open311Error(404, f"service_code: unknown service code {code[:40]!r}")
    questions = questions_for(svc.core.taxonomy).get(code_def.code, ())
    return render(fmt, "service_definition", None, serializers.definition(code_def, questions, lang()))


@bp.post("/v2/requests.<fmt>")
def create_request(fmt: str):
    """File a request through the core's intake; the same Idempotency-Key again answers with the same id."""
    fmt = fmt_of(fmt)
    params = p.post_params()
    check_jurisdiction(params)
    svc, language = services(), lang()
    partner = authenticate(params.get("api_key"), svc.config)
    req = intake_request(params, partner=partner, core=svc.core, lang=language,
                         idempotency_key=request.headers.get("Idempotency-Key"))
    with svc.session() as s:
        ticket, _created = open_ticket(s, req, now=now(), core=svc.core)
        body = serializers.created(ticket, svc.core.taxonomy, svc.config, language)
    # The transaction has committed: only now is the id told.
    return render(fmt, "service_requests", "request", [body])


@bp.get("/v2/requests.<fmt>")
def request_list(fmt: str):
    """Requests by id, or by service code, status and date window (at most max_days), newest first, paged."""
    fmt = fmt_of(fmt)
    params = p.query_params()
    check_jurisdiction(params)
    svc, language = services(), lang()
    ids = params.get("service_request_id")
    headers = {}
    with svc.read_session() as s:
        if ids is not None:
            tickets = queries.by_references(s, _references(ids))
        else:
            f = _filters(params, svc.config)
            tickets, more = queries.requests_page(s, f)
            if more:
                headers["Link"] = f'<{_page_link(fmt, params, f.page + 1)}>; rel="next"'
        names = queries.names_for(s, tickets)
        items = [serializers.request_record(t, names, svc.core.taxonomy, svc.config, language) for t in tickets]
    return render(fmt, "service_requests", "request", items, headers=headers)


@bp.get("/v2/requests/<service_request_id>.<fmt>")
def request_detail(service_request_id: str, fmt: str):
    """One request by its id (a list of one, as GeoReport v2 answers)."""
    fmt = fmt_of(fmt)
    check_jurisdiction(p.query_params())
    svc = services()
    with svc.read_session() as s:
        tickets = queries.by_references(s, [service_request_id]) if _REFERENCE.fullmatch(service_request_id) else []
        if not tickets:
            raise Open311Error(404, f"service_request_id: no request {service_request_id[:20]!r}")
        names = queries.names_for(s, tickets)
        item = serializers.request_record(tickets[0], names, svc.core.taxonomy, svc.config, lang())
    return render(fmt, "service_requests", "request", [item])


@bp.get("/v2/tokens/<token>.<fmt>")
def token_detail(token: str, fmt: str):
    """We answer POST with the id at once, so a token is the id itself; 404 for anything else."""
    fmt = fmt_of(fmt)
    check_jurisdiction(p.query_params())
    with services().read_session() as s:
        found = queries.by_references(s, [token]) if _REFERENCE.fullmatch(token) else []
    if not found:
        raise Open311Error(404, f"token: unknown token {token[:20]!r}")
    return render(fmt, "service_requests", "request", [{"service_request_id": token, "token": token}])


def _references(raw: str) -> list[str]:
    refs = [r.strip() for r in raw.split(",") if r.strip()]
    if len(refs) > MAX_IDS:
        raise bad_request("service_request_id", f"at most {MAX_IDS} ids at once")
    # Anything that is not a reference cannot be one of ours: left out like an unknown id.
    return [r for r in refs if _REFERENCE.fullmatch(r)]


def _filters(params: p.Params, config) -> queries.RequestFilters:
    o311, tz = config.open311, config.app.timezone
    window = timedelta(days=o311.max_days)
    raw_start, raw_end = params.get("start_date"), params.get("end_date")
    start = p.moment("start_date", raw_start, tz) if raw_start else None
    end = p.moment("end_date", raw_end, tz, end_of_day=True) if raw_end else None
    if start is None and end is None:
        end = now()
    if start is None:
        start = end - window
    if end is None:
        end = start + window
    if start > end:
        raise bad_request("start_date", "must not be after end_date")
    if end - start > window:
        raise bad_request("end_date", f"the window may span at most {o311.max_days} days")
    codes = tuple(c.strip() for c in (params.get("service_code") or "").split(",") if c.strip())
    taxonomy = services().core.taxonomy
    unknown = [c for c in codes if taxonomy.get(c) is None]
    if unknown:
        raise bad_request("service_code", f"unknown service code {unknown[0][:40]!r}")
    statuses = tuple(s.strip() for s in (params.get("status") or "").split(",") if s.strip())
    if any(s not in ("open", "closed") for s in statuses):
        raise bad_request("status", "open, closed or open,closed")
    page = p.whole(params, "page", 1, 1, 1_000_000)
    page_size = p.whole(params, "page_size", o311.page_size, 1, o311.max_page_size)
    return queries.RequestFilters(start=start, end=end, service_codes=codes, statuses=statuses, page=page,
                                  page_size=page_size)


def _page_link(fmt: str, params: p.Params, page: int) -> str:
    pairs = [(k, v) for k, v in params.pairs if k != "page"] + [("page", str(page))]
    return f"requests.{fmt}?{urlencode(pairs)}"
