"""Storage: engine and transactions, models, references, citizens, conversations, reference data."""
