from fastapi import APIRouter, Depends

from app.db import get_connection
from app.models import Item
from app.services import build_report

router = APIRouter(tags=["items"])


@router.get("/{item_id}")
async def read_item(item_id: int, connection=Depends(get_connection)):
    return {"id": item_id}


@router.get("/featured")
async def featured_items():
    return []


@router.get("/report/{report_id}", response_model=list)
async def report(ids: list = []):
    return build_report(ids)


@router.post("/", response_model=Item)
async def create_item(item: Item) -> Item:
    return Item.parse_obj(item.dict())
