"""Training (培训)."""
