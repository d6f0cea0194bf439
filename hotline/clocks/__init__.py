"""What the sweep advances: escalation, follow-ups (回访) and callback requests."""
