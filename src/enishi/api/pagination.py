from ninja import Field, Schema
from ninja.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """page and page_size (at most 100), with the total count. The page number is bounded so
    an absurd one is a 422, not an integer overflow in the database."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100000)
        page_size: int | None = Field(None, ge=1, le=100)

    def __init__(self, **kwargs):
        super().__init__(page_size=50, max_page_size=100, **kwargs)
