// The admin orders API: the keyset listing, one order, its payment, cancelling and refunding.
import { api, ApiError, unwrap, type Schemas } from "../../api/client";
import type { OrderStatus } from "../ui/OrderStatus";

export type Order = Schemas["Order"];
export type Payment = Schemas["PaymentIntent"];
export type Refund = Schemas["Refund"];
export type RefundRequest = Schemas["RefundRequest"];
export const ORDERS_PAGE_SIZE = 50;

export const orderKeys = {
  all: ["admin", "orders"] as const,
  list: (status: OrderStatus | "") => ["admin", "orders", "list", status] as const,
  detail: (id: string) => ["admin", "orders", "detail", id] as const,
  payment: (id: string) => ["admin", "orders", "payment", id] as const,
};

export function fetchOrders(status: OrderStatus | "", before: string | undefined) {
  const query = { status: status || undefined, before, limit: ORDERS_PAGE_SIZE };
  return unwrap(api.GET("/api/v1/admin/orders", { params: { query } }));
}

/** The next page's `before`: the `created_at` of the last order, unless this page was the last. */
export function nextBefore(page: readonly Order[]): string | undefined {
  return page.length === ORDERS_PAGE_SIZE ? page[page.length - 1]?.created_at : undefined;
}

export function fetchOrder(id: string) {
  return unwrap(api.GET("/api/v1/orders/{id}", { params: { path: { id } } }));
}

/** The order's payment, or null when none was started (the API's 404). */
export async function fetchPayment(id: string): Promise<Payment | null> {
  try {
    return await unwrap(api.GET("/api/v1/orders/{id}/payment", { params: { path: { id } } }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function cancelOrder(id: string) {
  return unwrap(api.POST("/api/v1/orders/{id}/cancel", { params: { path: { id } } }));
}

export function refundOrder(id: string, body: RefundRequest, idempotencyKey: string) {
  return unwrap(
    api.POST("/api/v1/orders/{id}/refunds", {
      params: { path: { id }, header: { "Idempotency-Key": idempotencyKey } },
      body,
    }),
  );
}

/** What is still refundable: captured minus refunded, never below zero. */
export function refundableOf(payment: Payment | null): number {
  return payment ? Math.max(0, payment.captured_minor - payment.refunded_minor) : 0;
}
