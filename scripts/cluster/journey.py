#!/usr/bin/env python3
"""A shopper's steps against a shop's API, for the cluster end-to-end test (e2e.sh).

  journey.py purchase BASE EMAIL PASSWORD   register, log in, save an address, browse the
                                            catalog, add an in-stock variant to the cart,
                                            choose shipping, check out and pay with the
                                            test card; prints the paid order's id
  journey.py order BASE EMAIL PASSWORD ID   the order is still there and paid
  journey.py isolated HOME OTHER EMAIL PASSWORD
                                            the account of shop HOME is unknown to shop
                                            OTHER, and OTHER refuses HOME's tokens
  journey.py search BASE                    the search finds a listed product by its name

Every failure names the step and the response; the exit status is 1.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid


def fail(step, detail):
    sys.exit(f"journey: {step}: {detail}")


def call(step, method, url, body=None, token=None, form=None, key=None, expect=(200, 201)):
    headers = {"accept": "application/json"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["content-type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = f"Bearer {token}"
    if key:
        headers["idempotency-key"] = key
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    if status not in expect:
        fail(step, f"{method} {url} answered {status}: {text[:600]}")
    return json.loads(text) if text else None


def login(base, email, password, expect=(200,)):
    form = {"grant_type": "password", "username": email, "password": password}
    return call("log in", "POST", f"{base}/api/v1/auth/token", form=form, expect=expect)


def purchase(base, email, password):
    call("register", "POST", f"{base}/api/v1/auth/register", {"email": email, "password": password})
    token = login(base, email, password)["access_token"]
    address = {"full_name": "Cluster Shopper", "line1": "1 Node St", "city": "Berlin",
               "postal_code": "10115", "country": "DE"}
    address_id = call("save an address", "POST", f"{base}/api/v1/users/me/addresses", address, token)["id"]
    page = call("browse the catalog", "GET", f"{base}/api/v1/products?in_stock=true&limit=20")
    products = page.get("items") or []
    if not products:
        fail("browse the catalog", f"no product in stock: {json.dumps(page)[:300]}")
    detail = call("open a product", "GET", f"{base}/api/v1/products/{products[0]['id']}")
    variant = next((v for v in detail.get("variants", []) if v.get("in_stock", True)), None)
    if variant is None:
        fail("open a product", f"no variant in stock: {json.dumps(detail)[:300]}")
    call("add to cart", "POST", f"{base}/api/v1/cart/lines", {"variant_id": variant["id"], "quantity": 1}, token)
    cart = call("price the cart", "PUT", f"{base}/api/v1/cart/delivery", {"address_id": address_id}, token)
    methods = (cart.get("pricing") or {}).get("shipping_methods") or []
    if not methods:
        fail("choose shipping", f"no shipping method to DE: {json.dumps(cart)[:400]}")
    method_id = methods[0].get("id") or methods[0].get("method_id")
    order = call("check out", "POST", f"{base}/api/v1/checkout",
                 {"address_id": address_id, "shipping_method_id": method_id}, token, key=str(uuid.uuid4()))
    card = {"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}}
    call("pay", "POST", f"{base}/api/v1/orders/{order['id']}/payment/confirm", card, token, key=str(uuid.uuid4()))
    check_paid(base, token, order["id"])
    print(order["id"])


def check_paid(base, token, order_id):
    order = call("read the order", "GET", f"{base}/api/v1/orders/{order_id}", token=token)
    if order.get("status") != "paid":
        fail("read the order", f"order {order_id} is {order.get('status')!r}, not paid")


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "purchase":
        purchase(*args)
    elif command == "order":
        base, email, password, order_id = args
        check_paid(base, login(base, email, password)["access_token"], order_id)
    elif command == "isolated":
        home, other, email, password = args
        token = login(home, email, password)["access_token"]
        refused = login(other, email, password, expect=(400,))
        if refused.get("error") != "invalid_grant":
            fail("log in", f"the other shop answered {refused}, not invalid_grant")
        call("use a token of another shop", "GET", f"{other}/api/v1/users/me/addresses", token=token, expect=(401,))
    elif command == "search":
        (base,) = args
        listed = call("browse the catalog", "GET", f"{base}/api/v1/products?limit=1")["items"]
        if not listed:
            fail("browse the catalog", "the catalog is empty")
        name = listed[0]["title"]
        found = call("search", "GET", f"{base}/api/v1/search?q={urllib.parse.quote(name)}")
        if listed[0]["id"] not in [hit.get("id") for hit in found.get("items", [])]:
            fail("search", f"{name!r} is not found by its name: {json.dumps(found)[:300]}")
    else:
        fail("usage", __doc__)


if __name__ == "__main__":
    main(sys.argv)
