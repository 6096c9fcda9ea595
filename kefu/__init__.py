"""Kefu 客服 — customer-service operations for Chinese service teams."""

__version__ = "0.1.0"
