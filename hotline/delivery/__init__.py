"""Everything sent: the outbox, notifications, notices and the telephony port."""
