// Merchant console against a stubbed `fetch`: the product form's request body and the API's 422
// and 409 errors beside their fields, the own-products list (status filter, sort, "load more",
// refreshed after changes), stock adjustments with their audit trail, the low-stock list, and
// order-line fulfilment (its answer shown at once).
import "@testing-library/jest-dom/vitest";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";

interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}
type Handler = (call: Call) => Response | Promise<Response>;

// The API client keeps the `fetch` it finds when it is created, so the stub goes in first.
const server = vi.hoisted(() => {
  const state = { calls: [] as Call[], handler: (() => new Response(null, { status: 500 })) as Handler };
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    const call = { method: request.method, path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined };
    state.calls.push(call);
    return state.handler(call);
  });
  return state;
});

import { session } from "../src/auth/session";
import { MerchantConsole } from "../src/merchant/MerchantConsole";

const ME = "0190a0a0-0000-7000-8000-00000000000a";
const PRODUCT = "0190a0a0-0000-7000-8000-0000000000p1";
const VARIANT = "0190a0a0-0000-7000-8000-0000000000v1";

function json(status: number, body: unknown): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

function problem(status: number, code: string, detail: string, errors?: { field: string; message: string }[]) {
  return json(status, { type: `https://shopfleet.dev/problems/${code}`, title: code, status, code, detail, errors });
}

const me = { id: ME, email: "m@example.com", role: "merchant", is_active: true, created_at: "2025-01-01T00:00:00Z" };

function product(overrides: Record<string, unknown> = {}) {
  return {
    id: PRODUCT,
    merchant_id: ME,
    slug: "teapot",
    title: "Teapot",
    description: "",
    status: "published",
    attributes: {},
    images: [],
    min_price_minor: 1250,
    currency: "EUR",
    in_stock: true,
    variant_count: 1,
    created_at: "2025-05-01T10:00:00Z",
    updated_at: "2025-05-01T10:00:00Z",
    ...overrides,
  };
}

function variant(overrides: Record<string, unknown> = {}) {
  return {
    id: VARIANT,
    sku: "TEA-1",
    options: {},
    price_minor: 1250,
    currency: "EUR",
    on_hand: 10,
    reserved: 4,
    available: 6,
    low_stock_threshold: 5,
    ...overrides,
  };
}

/** Answers `/users/me` and `/categories`, everything else with `handler`. */
function serve(handler: Handler) {
  server.handler = (call) => {
    if (call.path === "/api/v1/users/me") return json(200, me);
    if (call.path === "/api/v1/categories") {
      return json(200, [{ id: "c1", name: "Kitchen", slug: "kitchen", path: "kitchen" }]);
    }
    return handler(call);
  };
}

const sent = (method: string, path: string) => server.calls.filter((c) => c.method === method && c.path === path);

function Where() {
  return <output data-testid="location">{useLocation().pathname}</output>;
}

/** Renders the console at `path`; `staleTime: Infinity` makes a list refetch only when it was invalidated. */
function renderConsole(path: string, { staleTime = 0 }: { staleTime?: number } = {}) {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime }, mutations: { retry: false } },
  });
  const user = userEvent.setup();
  render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="merchant/*" element={<MerchantConsole />} />
        </Routes>
        <Where />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return user;
}

beforeEach(() => {
  server.calls.length = 0;
  session.store({ access_token: "token", refresh_token: "refresh", expires_in: 3600, token_type: "Bearer" });
});
afterEach(() => session.clear());

describe("new product", () => {
  it("sends prices in minor units and shows the API's 422 field error beside the field", async () => {
    serve((call) =>
      call.method === "POST" && call.path === "/api/v1/products"
        ? problem(422, "validation_failed", "invalid field(s): variants[0].currency", [
            { field: "variants[0].currency", message: "`XYZ` is not an ISO 4217 currency code such as EUR or USD" },
          ])
        : json(404, {}),
    );
    const user = renderConsole("/merchant/products/new");
    await user.type(await screen.findByLabelText("Title"), "Teapot");
    await user.type(screen.getByLabelText("SKU"), "TEA-1");
    await user.type(screen.getByLabelText("Price"), "12.5");
    const currency = screen.getByLabelText("Currency");
    await user.clear(currency);
    await user.type(currency, "XYZ");
    await user.click(screen.getByRole("button", { name: "Create product" }));

    await waitFor(() => expect(currency).toHaveAttribute("aria-invalid", "true"));
    expect(currency).toHaveAccessibleDescription(/is not an ISO 4217 currency code/);
    expect(currency).toHaveFocus();
    expect(screen.getByLabelText("SKU")).not.toHaveAttribute("aria-invalid");
    const [request] = sent("POST", "/api/v1/products");
    expect(request?.body).toMatchObject({
      title: "Teapot",
      status: "draft",
      variants: [{ sku: "TEA-1", price_minor: 1250, currency: "XYZ", on_hand: 0 }],
    });
  });

  it("puts a taken SKU (409) on the SKU field of that variant", async () => {
    serve(() => problem(409, "sku_taken", "SKU taken: Key (sku)=(TEA-1) already exists."));
    const user = renderConsole("/merchant/products/new");
    await user.type(await screen.findByLabelText("Title"), "Teapot");
    await user.type(screen.getByLabelText("SKU"), "TEA-1");
    await user.type(screen.getByLabelText("Price"), "9");
    await user.click(screen.getByRole("button", { name: "Create product" }));
    await waitFor(() => expect(screen.getByLabelText("SKU")).toHaveAccessibleDescription(/SKU taken/));
  });

  it("mirrors the API's limits in the fields and refuses repeated attribute names without a request", async () => {
    serve(() => json(500, {}));
    const user = renderConsole("/merchant/products/new");
    const title = await screen.findByLabelText("Title");
    expect(title).toBeRequired();
    expect(title).toHaveAttribute("maxlength", "200");
    expect(screen.getByLabelText("SKU")).toHaveAttribute("maxlength", "64");
    expect(screen.getByLabelText("Currency")).toHaveAttribute("pattern", "[A-Z]{3}");
    expect(screen.getByLabelText("On hand")).toHaveAttribute("max", "100000000");

    await user.type(title, "Teapot");
    await user.type(screen.getByLabelText("SKU"), "TEA-1");
    await user.type(screen.getByLabelText("Price"), "12.345");
    await user.click(screen.getByRole("button", { name: "Create product" }));
    expect(screen.getByLabelText("Price")).toBeInvalid(); // three decimals: the browser stops it

    await user.clear(screen.getByLabelText("Price"));
    await user.type(screen.getByLabelText("Price"), "12.34");
    const attributes = screen.getByRole("group", { name: "Attributes" });
    await user.click(within(attributes).getByRole("button", { name: "Add attribute" }));
    await user.click(within(attributes).getByRole("button", { name: "Add attribute" }));
    const rows = within(attributes).getAllByRole("group");
    await user.type(within(rows[0]!).getByLabelText("Name"), "brand");
    await user.type(within(rows[0]!).getByLabelText("Value"), "Acme");
    await user.type(within(rows[1]!).getByLabelText("Name"), "brand");
    await user.type(within(rows[1]!).getByLabelText("Value"), "Other");
    await user.click(screen.getByRole("button", { name: "Create product" }));

    const second = within(rows[1]!).getByLabelText("Name");
    expect(second).toHaveAccessibleDescription("This name is used twice.");
    expect(second).toHaveFocus();
    expect(sent("POST", "/api/v1/products")).toHaveLength(0);
  });

  it("creates a draft, opens its page, and the product list shows it on return", async () => {
    const created = product({ status: "draft", category_path: "kitchen" });
    let own: unknown[] = [];
    serve((call) => {
      if (call.path === "/api/v1/merchant/products") return json(200, { items: own });
      if (call.method === "POST" && call.path === "/api/v1/products") {
        own = [created];
        return json(201, created);
      }
      if (call.path === `/api/v1/products/${PRODUCT}`) return json(200, created);
      if (call.path === `/api/v1/products/${PRODUCT}/variants`) return json(200, { items: [variant()] });
      return json(404, {});
    });
    const user = renderConsole("/merchant/products", { staleTime: Infinity });
    expect(await screen.findByText("You have no products yet.")).toBeInTheDocument();
    await user.click(screen.getByRole("link", { name: "New product" }));
    await user.type(await screen.findByLabelText("Title"), "Teapot");
    await screen.findByRole("option", { name: "Kitchen" });
    await user.selectOptions(screen.getByLabelText("Category"), "kitchen");
    await user.type(screen.getByLabelText("SKU"), "TEA-1");
    await user.type(screen.getByLabelText("Price"), "12.50");
    await user.click(screen.getByRole("button", { name: "Create product" }));

    expect(await screen.findByText("Product created.")).toBeInTheDocument();
    expect(screen.getByTestId("location")).toHaveTextContent(`/merchant/products/${PRODUCT}`);
    expect(sent("POST", "/api/v1/products")[0]?.body).toMatchObject({ category: "kitchen" });
    expect(await screen.findByRole("link", { name: "Adjust stock TEA-1" })).toHaveAttribute(
      "href",
      `/merchant/products/${PRODUCT}/variants/${VARIANT}`,
    );

    // The cached (never stale) list was invalidated by the create, so going back refetches it.
    await user.click(screen.getByRole("link", { name: "Back to products" }));
    const row = await screen.findByRole("row", { name: /Teapot/ });
    expect(within(row).getByText("Draft")).toBeInTheDocument();
    expect(sent("GET", "/api/v1/merchant/products")).toHaveLength(2);
  });
});

describe("edit product", () => {
  it("shows a PATCH 422 beside the title, saves a status change, and reports a delete that archived", async () => {
    let current = product();
    serve((call) => {
      const path = `/api/v1/products/${PRODUCT}`;
      if (call.path === path && call.method === "PATCH") {
        const body = call.body as { title: string; status: string };
        if (body.title === "") return problem(422, "validation_failed", "invalid field(s): title", [{ field: "title", message: "must be 1 to 200 characters" }]);
        current = product({ ...body, updated_at: "2025-05-03T00:00:00Z" });
        return json(200, current);
      }
      if (call.path === path && call.method === "DELETE") {
        current = product({ status: "archived", updated_at: "2025-05-04T00:00:00Z" });
        return json(200, current);
      }
      if (call.path === path) return json(200, current);
      if (call.path === `${path}/variants`) return json(200, { items: [variant()] });
      return json(404, {});
    });
    const user = renderConsole(`/merchant/products/${PRODUCT}`);
    const title = await screen.findByLabelText("Title");
    await user.clear(title);
    await user.type(title, " ");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(title).toHaveAccessibleDescription("must be 1 to 200 characters"));

    await user.clear(title);
    await user.type(title, "Big teapot");
    await user.selectOptions(screen.getByLabelText("Status"), "draft");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("Changes saved.")).toBeInTheDocument();
    expect(sent("PATCH", `/api/v1/products/${PRODUCT}`)[1]?.body).toEqual({ title: "Big teapot", description: "", status: "draft" });

    await user.click(screen.getByRole("button", { name: "Delete product…" }));
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Yes, delete" }));
    expect(await screen.findByText(/archived instead of deleted/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText("Status")).toHaveValue("archived"));
  });

  it("refreshes the product list after a save and after an archiving delete", async () => {
    let current = product();
    serve((call) => {
      const path = `/api/v1/products/${PRODUCT}`;
      if (call.path === "/api/v1/merchant/products") return json(200, { items: [current] });
      if (call.path === path && call.method === "PATCH") {
        current = product({ ...(call.body as object), updated_at: "2025-05-03T00:00:00Z" });
        return json(200, current);
      }
      if (call.path === path && call.method === "DELETE") {
        current = product({ ...current, status: "archived", updated_at: "2025-05-04T00:00:00Z" });
        return json(200, current);
      }
      if (call.path === path) return json(200, current);
      if (call.path === `${path}/variants`) return json(200, { items: [variant()] });
      return json(404, {});
    });
    const user = renderConsole("/merchant/products", { staleTime: Infinity });
    await user.click(await screen.findByRole("link", { name: "Teapot" }));
    await user.selectOptions(await screen.findByLabelText("Status"), "draft");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("Changes saved.")).toBeInTheDocument();
    await user.click(screen.getByRole("link", { name: "Back to products" }));
    expect(within(await screen.findByRole("row", { name: /Teapot/ })).getByText("Draft")).toBeInTheDocument();

    await user.click(screen.getByRole("link", { name: "Teapot" }));
    await user.click(await screen.findByRole("button", { name: "Delete product…" }));
    await user.click(screen.getByRole("button", { name: "Yes, delete" }));
    expect(await screen.findByText(/archived instead of deleted/)).toBeInTheDocument();
    await user.click(screen.getByRole("link", { name: "Back to products" }));
    expect(within(await screen.findByRole("row", { name: /Teapot/ })).getByText("Archived")).toBeInTheDocument();
    expect(sent("GET", "/api/v1/merchant/products")).toHaveLength(3);
  });
});

describe("product list", () => {
  it("lists own products in every status from /merchant/products, filters by status and loads more by cursor", async () => {
    serve((call) => {
      if (call.path !== "/api/v1/merchant/products") return json(404, {});
      const status = call.query.get("status");
      if (status === "draft") {
        return call.query.get("cursor") === "d1"
          ? json(200, { items: [product({ id: "p4", title: "Sugar bowl", status: "draft" })] })
          : json(200, { items: [product({ id: "p3", title: "Kettle", status: "draft" })], next_cursor: "d1" });
      }
      return json(200, {
        items: [
          product(),
          product({ id: "p3", title: "Kettle", status: "draft" }),
          product({ id: "p5", title: "Old mug", status: "archived" }),
        ],
      });
    });
    const user = renderConsole("/merchant");

    const kettle = await screen.findByRole("row", { name: /Kettle/ });
    expect(within(kettle).getByText("Draft")).toBeInTheDocument();
    expect(within(screen.getByRole("row", { name: /Teapot/ })).getByText("Published")).toBeInTheDocument();
    expect(within(screen.getByRole("row", { name: /Old mug/ })).getByText("Archived")).toBeInTheDocument();
    const [first] = sent("GET", "/api/v1/merchant/products");
    expect(first?.query.has("status")).toBe(false);
    expect(first?.query.get("sort")).toBe("newest");
    expect(screen.queryByRole("button", { name: "Load more products" })).not.toBeInTheDocument();

    const status = screen.getByLabelText("Status");
    expect(within(status).getAllByRole("option").map((o) => o.textContent)).toEqual(["All", "Draft", "Published", "Archived"]);
    await user.selectOptions(status, "draft");
    expect(await screen.findByRole("link", { name: "Kettle" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Teapot" })).not.toBeInTheDocument();
    expect(sent("GET", "/api/v1/merchant/products")[1]?.query.get("status")).toBe("draft");
    expect(screen.getByTestId("location")).toHaveTextContent("/merchant/products");

    await user.click(screen.getByRole("button", { name: "Load more products" }));
    expect(await screen.findByRole("link", { name: "Sugar bowl" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Kettle" })).toBeInTheDocument();
    const more = sent("GET", "/api/v1/merchant/products")[2];
    expect(more?.query.get("cursor")).toBe("d1");
    expect(more?.query.get("status")).toBe("draft");
    expect(screen.queryByRole("button", { name: "Load more products" })).not.toBeInTheDocument();
    expect(sent("GET", "/api/v1/products")).toHaveLength(0);
  });

  it("sends the chosen sort and starts again from the first page", async () => {
    serve((call) =>
      call.path === "/api/v1/merchant/products"
        ? json(200, { items: [product()], next_cursor: call.query.get("cursor") ? null : "c1" })
        : json(404, {}),
    );
    const user = renderConsole("/merchant/products?status=published");
    expect(await screen.findByRole("link", { name: "Teapot" })).toBeInTheDocument();
    expect(screen.getByLabelText("Status")).toHaveValue("published");
    await user.selectOptions(screen.getByLabelText("Sort by"), "price_asc");
    await waitFor(() => expect(sent("GET", "/api/v1/merchant/products")).toHaveLength(2));
    const sorted = sent("GET", "/api/v1/merchant/products")[1];
    expect(sorted?.query.get("sort")).toBe("price_asc");
    expect(sorted?.query.get("status")).toBe("published");
    expect(sorted?.query.has("cursor")).toBe(false);
  });

  it("shows the empty state, per status too", async () => {
    serve((call) => (call.path === "/api/v1/merchant/products" ? json(200, { items: [] }) : json(404, {})));
    const user = renderConsole("/merchant/products");
    expect(await screen.findByText("You have no products yet.")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Status"), "archived");
    expect(await screen.findByText("You have no products with the status “Archived”.")).toBeInTheDocument();
  });

  it("shows the error with a retry that refetches", async () => {
    let fail = true;
    serve((call) => {
      if (call.path !== "/api/v1/merchant/products") return json(404, {});
      return fail ? problem(503, "unavailable", "The catalog is unavailable.") : json(200, { items: [product()] });
    });
    const user = renderConsole("/merchant/products");
    expect(await screen.findByRole("alert")).toHaveTextContent("The catalog is unavailable.");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "Teapot" })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});

describe("inventory", () => {
  it("records an adjustment, shows a 409 detail, and lists the audit trail", async () => {
    let history: unknown[] = [];
    serve((call) => {
      const path = `/api/v1/variants/${VARIANT}/inventory-adjustments`;
      if (call.path === path && call.method === "GET") return json(200, history);
      if (call.path === path && call.method === "POST") {
        const body = call.body as { kind: string; quantity: number; reason: string };
        if (body.quantity < 4) return problem(409, "below_reserved", "4 units are reserved; on-hand stock cannot go below that");
        history = [
          {
            id: "a1",
            variant_id: VARIANT,
            kind: body.kind,
            reason: body.reason,
            on_hand_before: 10,
            on_hand_after: body.quantity,
            created_at: "2025-05-02T09:00:00Z",
          },
        ];
        return json(201, history[0]);
      }
      if (call.path === `/api/v1/products/${PRODUCT}`) return json(200, product());
      if (call.path === `/api/v1/products/${PRODUCT}/variants`) return json(200, { items: [variant()] });
      return json(404, {});
    });
    const user = renderConsole(`/merchant/products/${PRODUCT}/variants/${VARIANT}`);

    expect(await screen.findByText("No adjustments yet.")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Kind"), "correction");
    await user.type(screen.getByLabelText("Quantity"), "2");
    await user.type(screen.getByLabelText("Reason"), "Stock-take");
    await user.click(screen.getByRole("button", { name: "Record adjustment" }));
    expect(await screen.findByText(/4 units are reserved/)).toBeInTheDocument();

    await user.clear(screen.getByLabelText("Quantity"));
    await user.type(screen.getByLabelText("Quantity"), "12");
    await user.click(screen.getByRole("button", { name: "Record adjustment" }));
    expect(await screen.findByText("Stock on hand went from 10 to 12.")).toBeInTheDocument();
    expect(sent("POST", `/api/v1/variants/${VARIANT}/inventory-adjustments`)[1]?.body).toEqual({
      kind: "correction",
      quantity: 12,
      reason: "Stock-take",
    });
    const trail = screen.getByRole("region", { name: "Stock history" });
    const row = await within(trail).findByRole("row", { name: /Correction/ });
    expect(row).toHaveTextContent("10 → 12");
    expect(row).toHaveTextContent("+2");
    expect(row).toHaveTextContent("Stock-take");
  });
});

describe("low stock", () => {
  it("lists only variants at or under their threshold or out of stock, with a link to adjust", async () => {
    const DRAFT = "0190a0a0-0000-7000-8000-0000000000d1";
    const ARCHIVED = "0190a0a0-0000-7000-8000-0000000000a1";
    serve((call) => {
      if (call.path === "/api/v1/merchant/products") {
        return call.query.get("cursor") === "c1"
          ? json(200, {
              items: [
                product({ id: DRAFT, title: "Kettle", status: "draft" }),
                product({ id: ARCHIVED, title: "Old mug", status: "archived" }),
              ],
            })
          : json(200, { items: [product({ variant_count: 3 })], next_cursor: "c1" });
      }
      if (call.path === `/api/v1/products/${PRODUCT}/variants`) {
        return json(200, {
          items: [
            variant({ id: "v-low", sku: "TEA-LOW", available: 2, low_stock_threshold: 5 }),
            variant({ id: "v-fine", sku: "TEA-FINE", available: 20, low_stock_threshold: 5 }),
            variant({ id: "v-out", sku: "TEA-OUT", available: 0, low_stock_threshold: null }),
          ],
        });
      }
      if (call.path === `/api/v1/products/${DRAFT}/variants`) {
        return json(200, { items: [variant({ id: "v-kettle", sku: "KET-1", available: 1, low_stock_threshold: 3 })] });
      }
      if (call.path === `/api/v1/products/${ARCHIVED}/variants`) {
        return json(200, { items: [variant({ id: "v-mug", sku: "MUG-1", available: 0 })] });
      }
      return json(404, {});
    });
    renderConsole("/merchant/low-stock");
    const out = await screen.findByRole("link", { name: "Adjust stock TEA-OUT" });
    expect(out).toHaveAttribute("href", `/merchant/products/${PRODUCT}/variants/v-out`);
    expect(screen.getByRole("link", { name: "Adjust stock TEA-LOW" })).toBeInTheDocument();
    expect(screen.queryByText("TEA-FINE")).not.toBeInTheDocument();
    expect(screen.queryByText("MUG-1")).not.toBeInTheDocument();
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getAllByRole("cell")[1]?.textContent)).toEqual(["TEA-OUT", "KET-1", "TEA-LOW"]);
    expect(within(rows[1]!).getByText("Draft")).toBeInTheDocument();

    const pages = sent("GET", "/api/v1/merchant/products");
    expect(pages.map((c) => c.query.get("cursor"))).toEqual([null, "c1"]);
    expect(pages.every((c) => !c.query.has("status"))).toBe(true);
    expect(sent("GET", `/api/v1/products/${ARCHIVED}/variants`)).toHaveLength(0);
    expect(sent("GET", "/api/v1/products")).toHaveLength(0);
  });
});

describe("orders", () => {
  const ORDER = "0190a0a0-0000-7000-8000-0000000000o1";
  function order(line: Record<string, unknown>, status = "paid") {
    return {
      id: ORDER,
      number: 1042,
      status,
      currency: "EUR",
      created_at: "2025-05-01T10:00:00Z",
      updated_at: "2025-05-01T10:00:00Z",
      user_id: "u1",
      subtotal_minor: 2500,
      total_minor: 2500,
      shipping_address: { full_name: "Ada Lovelace", line1: "1 Main St", city: "London", postal_code: "N1", country: "GB" },
      lines: [
        {
          line_no: 1,
          title: "Teapot",
          sku: "TEA-1",
          quantity: 2,
          unit_price_minor: 1250,
          fulfilment_status: "unfulfilled",
          merchant_id: ME,
          ...line,
        },
      ],
    };
  }

  it("offers the actions the line allows, shows errors beside the fields, and refetches after shipping", async () => {
    let current = order({});
    let attempts = 0;
    serve((call) => {
      if (call.path === "/api/v1/merchant/orders") return json(200, [current]);
      if (call.path === `/api/v1/orders/${ORDER}/fulfilment`) {
        attempts += 1;
        if (attempts === 1) {
          return problem(422, "validation_failed", "invalid field(s): carrier", [
            { field: "carrier", message: "must be at most 100 characters" },
          ]);
        }
        current = order({ fulfilment_status: "shipped", carrier: "DHL", tracking_number: "JD0001" }, "shipped");
        return json(200, current);
      }
      return json(404, {});
    });
    const user = renderConsole("/merchant/orders");

    const card = await screen.findByRole("region", { name: /Order #1042/ });
    expect(within(card).getByText("Ada Lovelace")).toBeInTheDocument();
    expect(within(card).getByRole("button", { name: "Start fulfilment" })).toBeInTheDocument();
    expect(within(card).queryByRole("button", { name: "Mark delivered" })).not.toBeInTheDocument();

    await user.type(within(card).getByLabelText("Carrier"), "DHL");
    await user.type(within(card).getByLabelText("Tracking number"), "JD0001");
    await user.click(within(card).getByRole("button", { name: "Ship" }));
    await waitFor(() =>
      expect(within(card).getByLabelText("Carrier")).toHaveAccessibleDescription("must be at most 100 characters"),
    );

    await user.click(within(card).getByRole("button", { name: "Ship" }));
    expect(await within(card).findByRole("button", { name: "Mark delivered" })).toBeInTheDocument();
    expect(within(card).queryByRole("button", { name: "Ship" })).not.toBeInTheDocument();
    expect(within(card).queryByRole("button", { name: "Start fulfilment" })).not.toBeInTheDocument();
    expect(within(card).getByRole("cell", { name: "JD0001" })).toBeInTheDocument();
    expect(sent("POST", `/api/v1/orders/${ORDER}/fulfilment`)[1]?.body).toEqual({
      action: "ship",
      line_nos: [1],
      carrier: "DHL",
      tracking_number: "JD0001",
    });
    expect(sent("GET", "/api/v1/merchant/orders").length).toBeGreaterThanOrEqual(2);
  });

  it("ships with the keyboard alone and keeps focus on the outcome", async () => {
    let current = order({ fulfilment_status: "fulfilling" }, "fulfilling");
    serve((call) => {
      if (call.path === "/api/v1/merchant/orders") return json(200, [current]);
      current = order({ fulfilment_status: "shipped", carrier: "UPS", tracking_number: "1Z" }, "shipped");
      return json(200, current);
    });
    const user = renderConsole("/merchant/orders");
    const card = await screen.findByRole("region", { name: /Order #1042/ });
    expect(within(card).queryByRole("button", { name: "Start fulfilment" })).not.toBeInTheDocument();
    const carrier = within(card).getByLabelText("Carrier");
    for (let i = 0; i < 20 && document.activeElement !== carrier; i++) await user.tab();
    expect(carrier).toHaveFocus();
    await user.keyboard("UPS");
    await user.tab();
    expect(within(card).getByLabelText("Tracking number")).toHaveFocus();
    await user.keyboard("1Z{Enter}");

    const outcome = await within(card).findByRole("status");
    expect(outcome).toHaveTextContent("Line 1 shipped.");
    await waitFor(() => expect(outcome).toHaveFocus());
    expect(sent("POST", `/api/v1/orders/${ORDER}/fulfilment`)[0]?.body).toMatchObject({ action: "ship", carrier: "UPS" });
  });

  it("shows the fulfilment answer (the merchant's own lines) before the list is refetched", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let shipped = false;
    const after = order({ fulfilment_status: "shipped", carrier: "DHL", tracking_number: "JD0001" }, "shipped");
    serve(async (call) => {
      if (call.path === "/api/v1/merchant/orders") {
        if (!shipped) return json(200, [order({})]);
        await held;
        return json(200, [after]);
      }
      shipped = true;
      return json(200, after);
    });
    const user = renderConsole("/merchant/orders");
    const card = await screen.findByRole("region", { name: /Order #1042/ });
    await user.type(within(card).getByLabelText("Carrier"), "DHL");
    await user.type(within(card).getByLabelText("Tracking number"), "JD0001");
    await user.click(within(card).getByRole("button", { name: "Ship" }));

    expect(await within(card).findByRole("cell", { name: "JD0001" })).toBeInTheDocument();
    expect(within(card).getByRole("button", { name: "Mark delivered" })).toBeInTheDocument();
    expect(sent("GET", "/api/v1/merchant/orders")).toHaveLength(2);
    release();
    expect(await within(card).findByText("Line 1 shipped.")).toBeInTheDocument();
  });

  it("shows a 409 detail and no actions for an unpaid order", async () => {
    serve((call) => {
      if (call.path === "/api/v1/merchant/orders") return json(200, [order({}), { ...order({}, "pending_payment"), id: "o2", number: 1043 }]);
      return problem(409, "illegal_transition", "line 1 is fulfilling and cannot be started");
    });
    const user = renderConsole("/merchant/orders");
    const paid = await screen.findByRole("region", { name: /Order #1042/ });
    await user.click(within(paid).getByRole("button", { name: "Start fulfilment" }));
    expect(await within(paid).findByRole("alert")).toHaveTextContent("line 1 is fulfilling and cannot be started");

    const unpaid = screen.getByRole("region", { name: /Order #1043/ });
    expect(within(unpaid).queryByRole("button")).not.toBeInTheDocument();
    expect(within(unpaid).getByText(/Awaiting payment:/)).toBeInTheDocument();
  });
});
