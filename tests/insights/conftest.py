import pytest

from .dataset import build


@pytest.fixture
def dataset(community):
    return build(community)
