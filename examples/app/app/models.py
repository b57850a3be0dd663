from typing import List

from pydantic import BaseModel, Field, validator


class Item(BaseModel):
    id: int
    name: str = Field(..., regex="^[a-z]+$")
    price: float = 0.0
    tags: List[str] = []

    class Config:
        orm_mode = True

    @validator("price")
    def price_is_positive(cls, value: float) -> float:
        if value < 0:
            raise ValueError("price must be positive")
        return value
