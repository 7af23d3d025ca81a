"""User-level operations: the CLI calls these; they return data and never print."""
