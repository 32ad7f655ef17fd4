"""Schemathesis hooks of `scripts/fuzz.sh`: requests as a client sends them.

- Every request carries its own Idempotency-Key, as clients do; reusing a key with another body is
  the documented 422 `idempotency_key_reused`, which the API tests cover. A generated key repeats
  across requests, so without this most writes would answer that instead of what their data gets.
- The token is the demo owner's, logged in again whenever the API answers 401: the document's
  examples change the owner's password and log out everywhere, which void the tokens the run
  holds. The new password is taken from a successful password change.
- A password change sends the current password, as the user changing it knows it (else every
  one answers 422 `invalid_password` at `#/current_password`, and repeated failures block the
  login). The run's own logins come from another client address (`X-Forwarded-For`, with
  loopback trusted), so failures the fuzzed logins provoke do not lock the run out.
- Every other enrolment names an MPN ID and an e-mail nobody has yet, as a new partner's does:
  the generator repeats the values it starts from (the example's among them), and those answer
  409 once taken.
- Every other accept-invitation carries the token of a fresh invitation (the owner invites a new
  address first), as an invitee's does: a generated token names no invitation, so without this
  only the document's example would ever reach what the operation does with a valid token.

FUZZ_BASE_URL, FUZZ_EMAIL and FUZZ_PASSWORD say whom to log in as.
"""

import json
import os
import threading
import urllib.error
import urllib.request
import uuid

import schemathesis

BASE = os.environ["FUZZ_BASE_URL"]
EMAIL = os.environ["FUZZ_EMAIL"]
_password = {"current": os.environ["FUZZ_PASSWORD"]}
_lock = threading.Lock()


def _post(path: str, payload: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": "192.0.2.10"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{BASE}{path}", data=json.dumps(payload).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _login() -> str:
    return _post("/v1/auth/token", {"email": EMAIL, "password": _password["current"]})["access_token"]


_invitations = {"count": 0}
_enrolments = {"count": 0}


def _fresh_invitation_token() -> str:
    invitee = {"email": f"invitee-{uuid.uuid4().hex[:12]}@contoso.example", "display_name": "Invitee", "role": "developer"}
    with _lock:
        try:
            return _post("/v1/users", invitee, _login())["invitation_token"]
        except urllib.error.HTTPError:
            return ""


@schemathesis.auth()
class DemoOwner:
    def get(self, case, ctx):
        with _lock:
            return _login()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# Requests that try credentials come from loopback; the rest from another address, as a user's own
# session does: a lockout that fuzzed logins provoke does not block what the run then tests.
CREDENTIAL_PATHS = {"/v1/auth/token", "/v1/auth/refresh", "/v1/auth/accept-invitation", "/v1/accounts"}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.operation.path not in CREDENTIAL_PATHS:
        case.headers = case.headers or {}
        case.headers["X-Forwarded-For"] = "192.0.2.20"
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = str(uuid.uuid4())
    if (
        case.operation.path == "/v1/users/me/password"
        and isinstance(case.body, dict)
        and isinstance(case.body.get("current_password"), str)
    ):
        case.body["current_password"] = _password["current"]
    if case.operation.path == "/v1/accounts" and isinstance(case.body, dict):
        organization, owner = case.body.get("organization"), case.body.get("owner")
        _enrolments["count"] += 1
        if isinstance(organization, dict) and isinstance(owner, dict) and _enrolments["count"] % 2 == 0:
            unique = uuid.uuid4()
            organization["mpn_id"] = str(100_000_000 + unique.int % 900_000_000)
            owner["email"] = f"owner-{unique.hex[:12]}@fabrikam.example"
    if case.operation.path == "/v1/auth/accept-invitation" and isinstance(case.body, dict) and "token" in case.body:
        _invitations["count"] += 1
        if _invitations["count"] % 2 == 0:
            token = _fresh_invitation_token()
            if token:
                case.body["token"] = token


@schemathesis.hook
def after_call(ctx, case, response):
    if (
        case.operation.method.upper() == "POST"
        and case.operation.path == "/v1/users/me/password"
        and 200 <= response.status_code < 300
        and isinstance(case.body, dict)
    ):
        with _lock:
            _password["current"] = case.body["new_password"]
