"""Development-only tooling: the local identity provider, generated
secrets, and the `make run` orchestrator. Never used in production."""
