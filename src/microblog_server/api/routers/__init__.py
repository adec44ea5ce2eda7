"""The routers of API v1 and of the service's own endpoints (health, version)."""
