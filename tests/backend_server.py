"""The backend's test helpers under their former name, which tests/e2e/fault_stack.py, test_fault_matrix.py,
test_replicas.py and replica_proxy.py import them by. They live in tests/stack.py with the rest of the stack."""

from tests.stack import AGENT_TOKEN, BACKEND_PY, ROOT, SERVICE_TOKEN, free_port, running_backend, wait_for

__all__ = ["AGENT_TOKEN", "BACKEND_PY", "ROOT", "SERVICE_TOKEN", "free_port", "running_backend", "wait_for"]
