"""Request ids, structured logs and Prometheus metrics: what operators see of the service."""
