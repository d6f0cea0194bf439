"""Work orders: intake, the lifecycle, triage, similar complaints and clusters."""
