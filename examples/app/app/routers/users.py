import httpx
from fastapi import APIRouter, Depends

from app.db import get_session

router = APIRouter(prefix="/users")


@router.get("/{user_id}/orders/{order_id}")
async def user_orders(user_id: int, session=Depends(get_session)):
    with open("/var/log/orders.log") as log:
        log.write(f"orders of {user_id}\n")
    return {"user_id": user_id}


async def call_self(app) -> int:
    async with httpx.AsyncClient(app=app, base_url="http://test") as client:
        response = await client.get("/health")
    return response.status_code
