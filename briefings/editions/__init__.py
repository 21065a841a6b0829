"""editions."""
