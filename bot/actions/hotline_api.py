"""The one client the bot uses to reach the hotline app's JSON API (/api/v1)."""
from __future__ import annotations

import os
from typing import Any, Optional

import requests

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class ApiUnavailable(Exception):
    """The app could not be reached or failed (network error, timeout, 5xx)."""


class ApiRejected(Exception):
    """The app refused the request (4xx); code and message come from its JSON error."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class HotlineApi:
    """Tickets through the app's API: open one, look one up, find a citizen's latest."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0,
                 session: Optional[requests.Session] = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self.http = session or requests.Session()

    @classmethod
    def from_env(cls, environ: Optional[dict] = None) -> "HotlineApi":
        """HOTLINE_API_URL (the web process) and HOTLINE_API_TOKEN, as `make run` sets them."""
        env = os.environ if environ is None else environ
        return cls(env.get("HOTLINE_API_URL") or DEFAULT_BASE_URL, env.get("HOTLINE_API_TOKEN", ""),
                   float(env.get("HOTLINE_API_TIMEOUT_S") or 5.0))

    def open_ticket(self, **fields: Any) -> dict:
        """POST /api/v1/tickets; fields left None are not sent. Returns the ticket JSON."""
        body = {k: v for k, v in fields.items() if v is not None}
        return self._call("POST", "/api/v1/tickets", json=body)

    def get_ticket(self, reference: str) -> Optional[dict]:
        """GET /api/v1/tickets/<reference>; None when there is no such ticket."""
        try:
            return self._call("GET", f"/api/v1/tickets/{reference}")
        except ApiRejected as exc:
            if exc.status == 404:
                return None
            raise

    def latest_ticket(self, phone: Optional[str] = None, chat_id: Optional[str] = None) -> Optional[dict]:
        """The newest ticket of a citizen known by phone or chat id; None when there is none."""
        params = {"per_page": 1}
        if phone:
            params["phone"] = phone
        elif chat_id:
            params["chat_id"] = chat_id
        else:
            return None
        tickets = self._call("GET", "/api/v1/tickets", params=params).get("tickets") or []
        return tickets[0] if tickets else None

    def _call(self, method: str, path: str, **kwargs: Any) -> dict:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            resp = self.http.request(method, self.base_url + path, headers=headers, timeout=self.timeout_s, **kwargs)
        except requests.RequestException as exc:
            raise ApiUnavailable(f"{method} {path}: {exc}") from exc
        if resp.status_code >= 500:
            raise ApiUnavailable(f"{method} {path}: HTTP {resp.status_code}")
        try:
            data = resp.json()
        except ValueError as exc:
            raise ApiUnavailable(f"{method} {path}: not JSON (HTTP {resp.status_code})") from exc
        if resp.status_code >= 400:
            err = data.get("error") or {}
            raise ApiRejected(resp.status_code, err.get("code", "error"), err.get("message", ""))
        return data
