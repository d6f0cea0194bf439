"""Pure rules: taxonomy, routing, deadlines and schedule; no session, no storage."""
