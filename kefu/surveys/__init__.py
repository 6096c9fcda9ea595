"""Satisfaction surveys (满意度)."""
