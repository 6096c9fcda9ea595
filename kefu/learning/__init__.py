"""Learned models (学习模型)."""
