import pytest
from django.test import TestCase


@pytest.fixture
def committed():
    """Run what a service left for after commit (its mails), as a real request would."""
    return lambda: TestCase.captureOnCommitCallbacks(execute=True)
