"""The scheduler process (`python -m callbacks`): sweeps due clocks, the outbox and callbacks; the only sender."""
