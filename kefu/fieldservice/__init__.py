"""On-site service (上门服务)."""
