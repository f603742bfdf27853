"""Schemathesis hooks for stampcard (loaded through SCHEMATHESIS_HOOKS by `cargo xtask test`).

They make generated requests reach past the "not found" answers into the real code paths,
without hiding anything the OpenAPI document promises (docs/api.md, "OpenAPI conformance"):

- Credentials: the stamp and card API get `Authorization: APIKey <key>` (STAMPCARD_ST_API_KEY);
  a page request whose token has an open session gets `Authorization: Bearer <session>`. Both
  go through schemathesis' auth providers, so its `ignored_auth` check knows they are
  deliberate and probes the endpoints without them.
- Real data (STAMPCARD_ST_FIXTURES, written by seed.py): a generated `stampIdx`, `cardIdx`,
  page token, PIN guess or staff password that is valid for the schema is often swapped for
  one that exists. Only valid values are swapped, so a negative case stays negative; the
  choice is a function of the generated value, so hypothesis replays and shrinks a failure
  exactly.
- Rules JSON Schema cannot state, on positive cases: dates are moved into the window the
  server accepts (`strtYmd` not after `endYmd`, `endYmd` at most 5 years ahead and, for a new
  stamp, not in the past: they compare two fields or today); a new card with `onsiteYn=Y` gets
  the password the flag requires; an import's body becomes a CSV file with the generated text
  as a user name; a valid `Idempotency-Key` is made unique to its request.
- Refusals of schema-valid requests that depend on stored data are dropped, each listed in
  `dropped-refusals.jsonl` in the current directory.

STAMPCARD_ST_TRACE=FILE appends every request as sent, one JSON line each (for debugging).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import zlib

import schemathesis

API_KEY = os.environ.get("STAMPCARD_ST_API_KEY", "")
MAX_IDX = 2**53 - 1
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")


def _load_fixtures() -> dict:
    path = os.environ.get("STAMPCARD_ST_FIXTURES")
    if not path:
        return {}
    with open(path, encoding="utf-8") as file:
        return json.load(file)


FIXTURES = _load_fixtures()


def _hash(value) -> int:
    return zlib.crc32(repr(value).encode())


def _pick(generated, real: list):
    """A real value for three generated values in four, chosen by the generated one."""
    if not real or generated in real:
        return generated
    digest = _hash(generated)
    if digest % 4 == 0:
        return generated
    return real[(digest // 4) % len(real)]


def _is_idx(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_IDX


def _real_ids(case, name: str) -> list:
    if name == "cardIdx":
        return FIXTURES.get("cardIdx", [])
    if case.method.upper() == "DELETE":
        return FIXTURES.get("deletableStampIdx", [])
    return FIXTURES.get("stampIdx", [])


def _swapped_ids(case, container):
    """`container` with valid ids swapped for real ones (a copy: generated values may be shared)."""
    if not isinstance(container, dict):
        return container
    swapped = dict(container)
    for name in ("stampIdx", "cardIdx"):
        value = swapped.get(name)
        if _is_idx(value):
            swapped[name] = _pick(value, _real_ids(case, name))
        elif isinstance(value, str) and value.isdigit() and _is_idx(int(value)):
            swapped[name] = str(_pick(int(value), _real_ids(case, name)))
    return swapped if swapped != container else container


def _real_token(case):
    token = case.path_parameters.get("token") if case.path_parameters else None
    if isinstance(token, str) and TOKEN.match(token):
        token = _pick(token, FIXTURES.get("tokens", []))
        case.path_parameters["token"] = token
    return token


@schemathesis.auth(refresh_interval=None).apply_to(path_regex="^/api/stamp/")
class ApiKeyAuth:
    """The account's API key on every stamp and card request."""

    def get(self, case, context):
        return API_KEY or None

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"APIKey {data}"}


@schemathesis.auth(refresh_interval=None).apply_to(path_regex="^/api/page/")
class PageSessionAuth:
    """The open session of the (real) token a page request names, if it has one."""

    def get(self, case, context):
        token = _real_token(case)
        return FIXTURES.get("sessions", {}).get(token)

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _date(value) -> datetime.date | None:
    if not isinstance(value, str) or not DATE.match(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _fix_dates(case) -> None:
    """Moves a positive case's dates into the window the server accepts for them."""
    if not isinstance(case.body, dict):
        return
    # A copy: generated values may be shared between cases.
    body = dict(case.body)
    case.body = body
    start, end = _date(body.get("strtYmd")), _date(body.get("endYmd"))
    today = datetime.datetime.now(datetime.timezone.utc).date()  # the server's "today" is UTC
    if start is not None:
        body["strtYmd"] = (today - datetime.timedelta(days=_hash(body["strtYmd"]) % 400)).isoformat()
    if end is not None:
        # At least a month ahead: a stored start may lie up to ten days in the future.
        body["endYmd"] = (today + datetime.timedelta(days=30 + _hash(body["endYmd"]) % 1700)).isoformat()


def _unique_idempotency_key(case) -> None:
    """Ties a valid generated `Idempotency-Key` to the request it comes with.

    Generated keys repeat across requests ("0", "a"), and the same key with a different
    request is refused by design (422, code 5001, as the IETF Idempotency-Key draft asks).
    Suffixing the key with a digest of the request keeps every property of the key itself
    (a repeated identical request still replays) without reusing it for another request.
    """
    headers = case.headers
    key = headers.get("Idempotency-Key") if headers else None
    if not isinstance(key, str) or not IDEMPOTENCY_KEY.match(key):
        return
    # The body in the order it is sent: the server fingerprints the bytes, so the same fields in
    # another order are another request.
    request = json.dumps([case.method, case.path, case.path_parameters, case.query, case.body], default=repr)
    digest = hashlib.sha256(request.encode()).hexdigest()[:16]
    case.headers = {**headers, "Idempotency-Key": f"{key[:200]}.{digest}"}


def _real_secrets(case) -> None:
    """In a positive page or redeem request, a guessed PIN or staff password is often the real one."""
    body = case.body
    if not isinstance(body, dict):
        return
    swapped = dict(body)
    for name, real in (("pin", FIXTURES.get("pin")), ("currentPin", FIXTURES.get("pin")), ("onsitePwd", FIXTURES.get("onsitePwd"))):
        if isinstance(swapped.get(name), str) and real:
            swapped[name] = _pick(swapped[name], [real])
    if swapped != body:
        case.body = swapped


def _fix_onsite_password(case) -> None:
    """A positive new card with `onsiteYn=Y` gets the password that flag requires."""
    body = case.body
    if isinstance(body, dict) and body.get("onsiteYn") == "Y" and body.get("onsitePwd") is None:
        case.body = {**body, "onsitePwd": FIXTURES.get("onsitePwd", "counter-7")}


def _fix_import_file(case) -> None:
    """A positive import gets a CSV file the server accepts: JSON Schema can say "a string" but
    not "CSV with a header of known columns and valid rows". The generated text becomes a
    quoted user name, so it still reaches the row checks (which may refuse it in `refused`)."""
    if not isinstance(case.body, str):
        # No body (schemathesis' "not set"), or raw bytes: the file's user name comes from them.
        case.body = case.body.decode("utf-8", "replace") if isinstance(case.body, bytes) else ""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    end = today + datetime.timedelta(days=30 + _hash(case.body) % 300)
    name = case.body.replace('"', '""')
    case.body = f'userNm,strtYmd,endYmd,stamps\n"{name}",{today.isoformat()},{end.isoformat()},{_hash(case.body) % 2}\n'


def _drop_cursor(case) -> None:
    """A positive list request starts at the first page: a `cursor` is only ever one the server
    issued (its integrity check refuses any other, 1040), which no schema of a string can say."""
    if isinstance(case.query, dict) and "cursor" in case.query:
        case.query = {name: value for name, value in case.query.items() if name != "cursor"}


def _fix_period(case) -> None:
    """A positive stats request asks for a period the server accepts: `from` not after `to`,
    at most 366 days (two dates cannot say that about each other in JSON Schema)."""
    if not isinstance(case.query, dict):
        return
    start, end = _date(case.query.get("from")), _date(case.query.get("to"))
    if start is None or end is None:
        return
    start, end = min(start, end), max(start, end)
    start = max(start, end - datetime.timedelta(days=_hash(case.query["from"]) % 366))
    case.query = {**case.query, "from": start.isoformat(), "to": end.isoformat()}


def _fix_staff_scope(case) -> None:
    """A positive staff update names its cards one way: `cardIdxs`, or `allCardsYn: "Y"` for
    every card, not both (a rule between two fields)."""
    body = case.body
    if isinstance(body, dict) and body.get("allCardsYn") == "Y" and body.get("cardIdxs") is not None:
        case.body = {name: value for name, value in body.items() if name != "cardIdxs"}


def _fix_webhook_events(case) -> None:
    """A positive webhook update names its event types one way: `events`, or `allEvents: true`
    for every type, not both (a rule between two fields)."""
    body = case.body
    if isinstance(body, dict) and body.get("allEvents") is True and body.get("events") is not None:
        case.body = {name: value for name, value in body.items() if name != "events"}


# Schema-valid requests that the server refuses because of what is stored, which no schema of
# the request can say: (operation, error code) -> why. Only these refusals of positive cases are
# dropped; docs/api.md ("OpenAPI conformance") lists them too.
STATE_DEPENDENT_REFUSALS = {
    ("PUT /api/stamp/v1/update", 1009): "stamps above the card's maxStamps, or a move to a card whose maxStamps is below the count",
    ("PUT /api/stamp/v1/update", 1006): "a new strtYmd after the stored endYmd, or a new endYmd before the stored strtYmd",
    ("PUT /api/stamp/v1/card/update", 1009): "maxStamps below the count of a stamp not yet redeemed on the card",
    ("PUT /api/stamp/v1/card/update", 1021): "onsiteYn=Y on a card that has no stored on-site password",
}


def _dropped_reason(case, response) -> str | None:
    try:
        answer = response.json()
        code = answer.get("code")
    except (ValueError, AttributeError):
        return None
    if (f"{case.method.upper()} {case.path}", code) in STATE_DEPENDENT_REFUSALS:
        return "state-dependent"
    return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    reason = _dropped_reason(case, response)
    if reason is None:
        return True
    # Every dropped refusal is listed beside the run's reports (the current directory), where
    # `cargo xtask test` counts them by reason.
    with open("dropped-refusals.jsonl", "a", encoding="utf-8") as dropped:
        record = {"reason": reason, "operation": f"{case.method.upper()} {case.path}", "body": case.body, "answer": response.text}
        dropped.write(json.dumps(record, default=repr) + "\n")
    return False


@schemathesis.hook
def before_call(context, case, kwargs):
    case.query = _swapped_ids(case, case.query)
    case.body = _swapped_ids(case, case.body)
    _real_token(case)
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive and case.path in (
        "/api/stamp/v1/create",
        "/api/stamp/v1/update",
    ):
        _fix_dates(case)
    if meta is not None and meta.generation.mode.is_positive and case.path == "/api/stamp/v1/card/create":
        _fix_onsite_password(case)
    # Every import, not only positive cases: the body's schema is "a string", so no text is a
    # schema violation, and cases made negative by another part (or only by an unknown header,
    # which the coverage phase still counts as valid data) need a file the server can read too.
    if case.path == "/api/stamp/v1/import" and (isinstance(case.body, str) or meta is None or meta.generation.mode.is_positive):
        _fix_import_file(case)
    if meta is not None and meta.generation.mode.is_positive and case.path in (
        "/api/stamp/v1/list",
        "/api/stamp/v1/webhook/deliveries",  # webhooks: the delivery log's cursor is the server's too
    ):
        _drop_cursor(case)
    if meta is not None and meta.generation.mode.is_positive and case.path == "/api/stamp/v1/stats":
        _fix_period(case)
    if meta is not None and meta.generation.mode.is_positive and case.path == "/api/stamp/v1/staff/update":
        _fix_staff_scope(case)
    if meta is not None and meta.generation.mode.is_positive and case.path == "/api/stamp/v1/webhook/update":
        _fix_webhook_events(case)
    if meta is not None and meta.generation.mode.is_positive and (
        case.path.startswith("/api/page/") or case.path == "/api/stamp/v1/redeem"
    ):
        _real_secrets(case)
    # Last, so the key is tied to the request exactly as it is sent.
    _unique_idempotency_key(case)
    if os.environ.get("STAMPCARD_ST_TRACE"):
        with open(os.environ["STAMPCARD_ST_TRACE"], "a", encoding="utf-8") as trace:
            trace.write(json.dumps([case.method, case.path, dict(case.headers or {}), case.query, case.body], default=repr) + "\n")
