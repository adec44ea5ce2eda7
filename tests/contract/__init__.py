"""Contract tests: the service against its OpenAPI document, and the document in tools."""
