"""Deployment tooling: `make cluster` (a small city on one machine) from templates and config."""
