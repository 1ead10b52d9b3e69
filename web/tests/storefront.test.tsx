// Storefront behaviour with the network stubbed at fetch: payment (field errors beside the
// field, idempotency keys, the 3-D Secure step), cart issues blocking checkout, and the
// sign-in guard.
import { describe, expect, it, afterEach, vi } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useSearchParams } from "react-router";
import { renderAt, stubApi } from "./render";
import { PaymentPanel } from "../src/storefront/PaymentPanel";
import { CartPage } from "../src/storefront/CartPage";
import { RequireRole } from "../src/auth/RequireRole";
import type { Schemas } from "../src/api/client";

afterEach(() => vi.unstubAllGlobals());

function SignInStandIn() {
  const [params] = useSearchParams();
  return <p>sign in, then back to {params.get("next")}</p>;
}

const order: Schemas["Order"] = {
  id: "0d9c8b7a-0000-4000-8000-000000000001",
  number: 1042,
  user_id: "0d9c8b7a-0000-4000-8000-000000000002",
  status: "pending_payment",
  currency: "EUR",
  subtotal_minor: 5998,
  discount_minor: 0,
  shipping_minor: 0,
  tax_minor: 958,
  total_minor: 5998,
  shipping_address: {},
  created_at: "2026-12-03T10:00:00Z",
  updated_at: "2026-12-03T10:00:00Z",
  lines: [],
};

function intent(status: Schemas["PaymentStatus"]): Schemas["PaymentIntent"] {
  return {
    id: "pi_1",
    order_id: order.id,
    status,
    amount_minor: 5998,
    currency: "EUR",
    captured_minor: status === "succeeded" ? 5998 : 0,
    refunded_minor: 0,
    created_at: order.created_at,
    updated_at: order.created_at,
  };
}

async function fillCard(number: string) {
  const user = userEvent.setup();
  await user.clear(screen.getByLabelText("Card number"));
  await user.type(screen.getByLabelText("Card number"), number);
  await user.clear(screen.getByLabelText("Expiry (MM/YY)"));
  await user.type(screen.getByLabelText("Expiry (MM/YY)"), "12/34");
  await user.clear(screen.getByLabelText("Security code"));
  await user.type(screen.getByLabelText("Security code"), "123");
  await user.click(screen.getByRole("button", { name: "Pay now" }));
}

describe("paying an order", () => {
  it("shows the API's field error beside the card number and reuses the key for the same card", async () => {
    const sent = stubApi({
      [`GET /api/v1/orders/${order.id}/payment`]: { status: 404, body: { type: "t", title: "Not Found", status: 404, code: "not_found" } },
      [`POST /api/v1/orders/${order.id}/payment/confirm`]: {
        status: 422,
        body: { type: "t", title: "Invalid", status: 422, code: "validation_failed", detail: "1 field is invalid", errors: [{ field: "card.number", message: "fails the Luhn check" }] },
      },
    });
    renderAt("/", [{ path: "/", element: <PaymentPanel order={order} /> }]);
    await fillCard("4242424242424241");
    const message = await screen.findByText("fails the Luhn check");
    expect(screen.getByLabelText("Card number")).toHaveAttribute("aria-describedby", expect.stringContaining(message.id));
    expect(screen.getByLabelText("Card number")).toHaveAttribute("aria-invalid", "true");

    await userEvent.setup().click(screen.getByRole("button", { name: "Pay now" }));
    await waitFor(() => expect(sent.filter((s) => s.path.endsWith("/confirm"))).toHaveLength(2));
    const keys = sent.filter((s) => s.path.endsWith("/confirm")).map((s) => s.headers.get("Idempotency-Key"));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);

    await fillCard("4242424242424242");
    await waitFor(() => expect(sent.filter((s) => s.path.endsWith("/confirm"))).toHaveLength(3));
    const third = sent.filter((s) => s.path.endsWith("/confirm"))[2]!;
    expect(third.headers.get("Idempotency-Key")).not.toBe(keys[0]);
    expect(third.body).toEqual({ card: { number: "4242424242424242", exp_month: 12, exp_year: 2034, cvc: "123" } });
  });

  it("asks for the 3-D Secure step and sends the shopper's approval", async () => {
    let authenticated = false;
    const sent = stubApi({
      [`GET /api/v1/orders/${order.id}/payment`]: () => ({ status: 200, body: intent(authenticated ? "succeeded" : "requires_payment_method") }),
      [`POST /api/v1/orders/${order.id}/payment/confirm`]: { status: 200, body: intent("requires_action") },
      [`POST /api/v1/orders/${order.id}/payment/authenticate`]: () => {
        authenticated = true;
        return { status: 200, body: intent("succeeded") };
      },
      [`GET /api/v1/orders/${order.id}`]: { status: 200, body: { ...order, status: "paid" } },
    });
    renderAt("/", [{ path: "/", element: <PaymentPanel order={order} /> }]);
    await fillCard("4000002760003184");
    expect(await screen.findByRole("dialog", { name: /3-D Secure/ })).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("button", { name: "Approve payment" }));
    expect(await screen.findByText("Payment received. Thank you!")).toBeInTheDocument();
    expect(sent.find((s) => s.path.endsWith("/authenticate"))?.body).toEqual({ approved: true });
  });
});

describe("the cart", () => {
  it("shows each line's issues and blocks checkout until they are resolved", async () => {
    stubApi({
      "GET /api/v1/cart": {
        status: 200,
        body: {
          currency: "EUR",
          item_count: 3,
          subtotal_minor: 4500,
          ready_for_checkout: false,
          lines: [
            { variant_id: "v1", product_id: "p1", title: "Wool Jacket", sku: "SF-1-M", quantity: 1, unit_price_minor: 2500, currency: "EUR", line_total_minor: 2500, available: 4, added_at: order.created_at, issues: [{ code: "price_changed", was_minor: 2000, now_minor: 2500 }] },
            { variant_id: "v2", product_id: "p2", title: "Oak Shelf", sku: "SF-2", quantity: 2, unit_price_minor: 1000, currency: "EUR", line_total_minor: 2000, available: 1, added_at: order.created_at, issues: [{ code: "insufficient_stock", available: 1 }] },
          ],
        },
      },
    });
    renderAt("/cart", [{ path: "/cart", element: <CartPage /> }]);
    expect(await screen.findByText(/The price changed/)).toHaveTextContent("€20.00 → €25.00");
    expect(screen.getByText("Only 1 left")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Checkout" })).toBeDisabled();
    expect(screen.getByText("€45.00")).toBeInTheDocument();
  });
});

describe("signed-in pages", () => {
  it("send a signed-out visitor to sign in and back", async () => {
    stubApi({});
    renderAt("/orders?page=2", [
      { path: "/orders", element: <RequireRole>orders</RequireRole> },
      { path: "/signin", element: <SignInStandIn /> },
    ]);
    expect(await screen.findByText("sign in, then back to /orders?page=2")).toBeInTheDocument();
    expect(screen.queryByText("orders")).not.toBeInTheDocument();
  });
});
