"""Insight (洞察)."""
