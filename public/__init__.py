"""Public pages, no login: the citizen's tracking page (/t/<token>), the monthly ranking and its open data."""
from public.routes import bp

__all__ = ["bp"]
