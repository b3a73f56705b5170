"""Pure rules: no database at all, so these run in seconds and need no PostgreSQL."""
import pytest


@pytest.fixture(autouse=True)
def clean_database():
    """Overrides the suite-wide reset: nothing here touches a database."""
    yield
