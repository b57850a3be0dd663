import requests

from app.models import Item


def fetch_price(item_id: int) -> float:
    response = requests.get(f"https://prices.example.com/items/{item_id}", timeout=5)
    return float(response.json()["price"])


def build_report(item_ids: list) -> list:
    return [Item(id=i, name="item", price=fetch_price(i)).dict() for i in item_ids]
