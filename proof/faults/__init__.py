"""The fault scenarios (issue #9), run as `python -m proof.faults` (see __main__.py): the shared harness, the
portal under load, a proxy in front of the simulated IQFast, one module per scenario and the report."""
import sys
from pathlib import Path

# The tests' helpers (tests/support/) are reused as they are, by the scenarios and by tests/services/test_faults.py.
_TESTS = str(Path(__file__).resolve().parents[2] / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
