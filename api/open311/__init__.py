"""Open311 GeoReport v2 for partner apps: /open311/discovery.{json,xml} and the API under /open311/v2."""
from api.open311.errors import http_error, internal_error
from api.open311.views import bp

__all__ = ["bp", "http_error", "internal_error"]
