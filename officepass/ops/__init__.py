"""Operations: health and readiness, Prometheus metrics, structured request logs, and the
Redis fan-out of availability changes to every process's open event streams."""
