"""Guanjia's domain library: models, services, the order life cycle, i18n.

Knows nothing of any messaging platform; `bot/` builds on it.
"""
