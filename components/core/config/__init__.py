"""The stack config and the Polyaxon files, parsed once into strict pydantic models."""
