// Admin orders: the refund form's Idempotency-Key (kept across a retry, new for new inputs or
// after success), the API's 409 detail, amount parsing, cancelling, and keyset "Load more".
import { afterEach, describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { fakeApi, json, problem, renderAdmin, type Call, type Handler } from "./adminHarness";

const ORDER_ID = "0190a0a0-0000-7000-8000-000000000001";

function order(overrides: Record<string, unknown> = {}) {
  return {
    id: ORDER_ID,
    number: 1042,
    status: "paid",
    currency: "USD",
    created_at: "2025-05-01T10:00:00Z",
    updated_at: "2025-05-01T10:05:00Z",
    user_id: "0190a0a0-0000-7000-8000-0000000000aa",
    subtotal_minor: 5000,
    total_minor: 5000,
    shipping_address: {},
    lines: [
      {
        line_no: 1,
        title: "Teapot",
        sku: "TEA-1",
        quantity: 2,
        unit_price_minor: 2500,
        fulfilment_status: "unfulfilled",
        merchant_id: "0190a0a0-0000-7000-8000-0000000000bb",
      },
    ],
    ...overrides,
  };
}

const payment = {
  id: "0190a0a0-0000-7000-8000-0000000000cc",
  order_id: ORDER_ID,
  status: "succeeded",
  currency: "USD",
  amount_minor: 5000,
  captured_minor: 5000,
  refunded_minor: 1000,
  created_at: "2025-05-01T10:01:00Z",
  updated_at: "2025-05-01T10:02:00Z",
};

function refund(amount: number, status = "succeeded") {
  return { id: "r1", order_id: ORDER_ID, amount_minor: amount, reason: "Damaged", status, created_at: "2025-05-02T00:00:00Z" };
}

let server: ReturnType<typeof fakeApi> | undefined;
afterEach(() => server?.dispose());

/** The order detail's GETs, with `onRefund` answering refund POSTs. */
function detailServer(onRefund: Handler, current = order()) {
  server = fakeApi((call) => {
    if (call.method === "GET" && call.path === `/api/v1/orders/${ORDER_ID}`) return json(200, current);
    if (call.method === "GET" && call.path === `/api/v1/orders/${ORDER_ID}/payment`) return json(200, payment);
    if (call.method === "POST" && call.path === `/api/v1/orders/${ORDER_ID}/refunds`) return onRefund(call);
    if (call.method === "POST" && call.path === `/api/v1/orders/${ORDER_ID}/cancel`) return onRefund(call);
    return problem(404, "not_found", `unexpected ${call.method} ${call.path}`);
  });
  return server;
}

const refundCalls = (calls: Call[]) => calls.filter((c) => c.method === "POST" && c.path.endsWith("/refunds"));
const keyOf = (call: Call | undefined) => call?.headers.get("Idempotency-Key");

describe("order detail", () => {
  it("shows the order heading, lines and what is still refundable", async () => {
    detailServer(() => json(201, refund(0)));
    renderAdmin(`/admin/orders/${ORDER_ID}`);
    expect(await screen.findByRole("heading", { name: /Order #1042/ })).toBeInTheDocument();
    expect(screen.getByRole("cell", { name: "Teapot" })).toBeInTheDocument();
    const refundable = await screen.findByText("Refundable");
    expect(refundable.nextElementSibling).toHaveTextContent("$40.00");
  });

  it("retries a refund after a network error with the same Idempotency-Key", async () => {
    let attempt = 0;
    const { calls } = detailServer(() => {
      attempt += 1;
      if (attempt === 1) throw new TypeError("Failed to fetch");
      return json(201, refund(1250));
    });
    const { user } = renderAdmin(`/admin/orders/${ORDER_ID}`);

    await user.type(await screen.findByLabelText("Refund amount"), "12.50");
    await user.type(screen.getByLabelText("Reason"), "Damaged");
    await user.click(screen.getByRole("button", { name: "Refund" }));
    expect(await screen.findByText("Failed to fetch")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Refund" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Refunded $12.50.");

    const [first, second] = refundCalls(calls);
    expect(first?.body).toEqual({ amount_minor: 1250, reason: "Damaged" });
    expect(second?.body).toEqual(first?.body);
    expect(keyOf(first)).toMatch(/^[0-9a-f-]{36}$/);
    expect(keyOf(second)).toBe(keyOf(first));
    // The form is cleared for the next refund.
    expect(screen.getByLabelText("Refund amount")).toHaveValue("");
  });

  it("uses a new key for the next refund once one succeeded, even with the same inputs", async () => {
    const { calls } = detailServer(() => json(201, refund(500)));
    const { user } = renderAdmin(`/admin/orders/${ORDER_ID}`);
    for (let i = 0; i < 2; i++) {
      await user.type(await screen.findByLabelText("Refund amount"), "5");
      await user.click(screen.getByRole("button", { name: "Refund" }));
      await waitFor(() => expect(refundCalls(calls)).toHaveLength(i + 1));
      await waitFor(() => expect(screen.getByLabelText("Refund amount")).toHaveValue(""));
    }
    const [first, second] = refundCalls(calls);
    expect(first?.body).toEqual({ amount_minor: 500 });
    expect(keyOf(second)).not.toBe(keyOf(first));
  });

  it("shows the API's refund_exceeds_captured detail and uses a new key once the amount changes", async () => {
    const detail = "6000 asked but only 4000 of the 5000 captured is still refundable";
    let attempt = 0;
    const { calls } = detailServer(() => {
      attempt += 1;
      return attempt === 1 ? problem(409, "refund_exceeds_captured", detail) : json(201, refund(4000));
    });
    const { user } = renderAdmin(`/admin/orders/${ORDER_ID}`);

    const amount = await screen.findByLabelText("Refund amount");
    await user.type(amount, "60");
    await user.click(screen.getByRole("button", { name: "Refund" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(detail);

    await user.clear(amount);
    await user.type(amount, "40");
    await user.click(screen.getByRole("button", { name: "Refund" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Refunded $40.00.");

    const [first, second] = refundCalls(calls);
    expect(first?.body).toEqual({ amount_minor: 6000 });
    expect(second?.body).toEqual({ amount_minor: 4000 });
    expect(keyOf(second)).not.toBe(keyOf(first));
  });

  it("sends no amount for a full refund and refuses an amount that is not a price", async () => {
    const { calls } = detailServer(() => json(201, refund(4000)));
    const { user } = renderAdmin(`/admin/orders/${ORDER_ID}`);

    const amount = await screen.findByLabelText("Refund amount");
    await user.type(amount, "12.345");
    await user.click(screen.getByRole("button", { name: "Refund" }));
    expect(screen.getByText("Enter an amount such as 12.50.")).toBeInTheDocument();
    expect(amount).toHaveAttribute("aria-invalid", "true");
    expect(refundCalls(calls)).toHaveLength(0);

    await user.clear(amount);
    await user.click(screen.getByRole("button", { name: "Refund" }));
    await waitFor(() => expect(refundCalls(calls)).toHaveLength(1));
    expect(refundCalls(calls)[0]?.body).toEqual({});
  });

  it("cancels an unpaid order only after confirmation and shows the API's refusal", async () => {
    const { calls } = detailServer(
      () => problem(409, "illegal_transition", "the order is paid and cannot be cancelled"),
      order({ status: "pending_payment" }),
    );
    const { user } = renderAdmin(`/admin/orders/${ORDER_ID}`);

    await user.click(await screen.findByRole("button", { name: "Cancel order" }));
    const confirm = screen.getByRole("group", { name: "Cancel order #1042?" });
    // Cancel backs out without a request and returns focus to the button.
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("button", { name: "Cancel order" })).toHaveFocus();
    expect(calls.some((c) => c.path.endsWith("/cancel"))).toBe(false);

    await user.click(screen.getByRole("button", { name: "Cancel order" }));
    await user.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the order is paid and cannot be cancelled");
    expect(calls.filter((c) => c.path.endsWith("/cancel"))).toHaveLength(1);
  });
});

describe("orders list", () => {
  it("filters by status and loads the next page before the last row's created_at", async () => {
    const firstPage = Array.from({ length: 50 }, (_, i) =>
      order({ id: `id-${i}`, number: 2000 - i, created_at: new Date(Date.UTC(2025, 4, 1, 12, 0, 50 - i)).toISOString() }),
    );
    const secondPage = [order({ id: "id-last", number: 1900, created_at: "2025-04-30T00:00:00.000Z" })];
    const { calls } = (server = fakeApi((call) =>
      json(200, call.query.get("before") ? secondPage : firstPage),
    ));
    const { user } = renderAdmin("/admin/orders");

    expect(await screen.findByRole("link", { name: "#2000" })).toHaveAttribute("href", "/admin/orders/id-0");
    await user.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "#1900" })).toBeInTheDocument();
    expect(calls[1]?.query.get("before")).toBe(firstPage[49]?.created_at);
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText("Status"), "refunded");
    await waitFor(() => expect(calls.at(-1)?.query.get("status")).toBe("refunded"));
  });
});

describe("in Simplified Chinese", () => {
  it("labels the order page and refund form in Chinese", async () => {
    const i18n = (await import("../src/i18n")).default;
    await i18n.changeLanguage("zh");
    try {
      detailServer(() => json(201, refund(0)));
      renderAdmin(`/admin/orders/${ORDER_ID}`);
      expect(await screen.findByRole("heading", { name: /订单 #1042/ })).toBeInTheDocument();
      expect(await screen.findByLabelText("退款金额")).toBeInTheDocument();
      expect(screen.getByRole("button", { name: "退款" })).toBeInTheDocument();
      expect(screen.getByRole("navigation", { name: "管理分区" })).toHaveTextContent("用户订单事件");
    } finally {
      await i18n.changeLanguage("en");
    }
  });
});
