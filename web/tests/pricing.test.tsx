// Prices as the API computed them: the breakdown (tax-inclusive and tax-exclusive shops,
// discounts with their codes, free shipping), the promotion code field's refusals beside the
// field in English and Chinese, and checkout's shipping method choice and its refusals.
import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../src/i18n";
import { renderAt, stubApi } from "./render";
import { PriceBreakdown, taxesByRate } from "../src/ui/PriceBreakdown";
import { PromoCode } from "../src/storefront/PromoCode";
import { CartPage } from "../src/storefront/CartPage";
import { CheckoutPage } from "../src/storefront/CheckoutPage";
import { OrderPage } from "../src/storefront/OrderPage";
import type { Schemas } from "../src/api/client";

afterEach(() => vi.unstubAllGlobals());

type Breakdown = Schemas["Breakdown"];

const V1 = "00000000-0000-4000-8000-000000000001";
const V2 = "00000000-0000-4000-8000-000000000002";
const PROMO = "00000000-0000-4000-8000-0000000000a1";
const STANDARD = "00000000-0000-4000-8000-0000000000b1";
const EXPRESS = "00000000-0000-4000-8000-0000000000b2";
const ADDRESS = "00000000-0000-4000-8000-0000000000c1";

function charge(gross: number, discount: number, rateBp: number, inclusive: boolean, taxClass: Schemas["TaxClass"] = "standard") {
  const net = gross - discount;
  const tax = inclusive ? Math.round(net - net / (1 + rateBp / 10_000)) : Math.round((net * rateBp) / 10_000);
  const taxable = inclusive ? net - tax : net;
  return { gross_minor: gross, discount_minor: discount, net_minor: net, tax_class: taxClass, tax_rate_bp: rateBp, taxable_minor: taxable, tax_minor: tax, total_minor: taxable + tax };
}

/** Germany, prices with VAT: two pairs of sneakers at €30, WELCOME10 takes 10 % off, Standard is free above €50. */
const inclusive: Breakdown = (() => {
  const line = { variant_id: V1, quantity: 2, unit_price_minor: 3000, ...charge(6000, 600, 1900, true) };
  const shipping = { method_id: STANDARD, ...charge(0, 0, 1900, true) };
  return {
    tax_mode: "inclusive",
    lines: [line],
    shipping,
    discounts: [{ promotion_id: PROMO, code: "WELCOME10", amount_minor: 600, on: { kind: "lines", shares: [{ variant_id: V1, amount_minor: 600 }] } }],
    taxes: [{ tax_class: "standard", rate_bp: 1900, taxable_minor: line.taxable_minor, tax_minor: line.tax_minor }],
    subtotal_minor: 6000,
    discount_minor: 600,
    tax_minor: line.tax_minor,
    total_minor: 5400,
  };
})();

/** A US-style shop: tax added at two rates, shipping €4.95 taken off by an automatic promotion. */
const exclusive: Breakdown = (() => {
  const a = { variant_id: V1, quantity: 1, unit_price_minor: 10_000, ...charge(10_000, 0, 1900, false) };
  const b = { variant_id: V2, quantity: 2, unit_price_minor: 1000, ...charge(2000, 0, 700, false, "reduced") };
  const shipping = { method_id: STANDARD, ...charge(495, 495, 1900, false) };
  return {
    tax_mode: "exclusive",
    lines: [a, b],
    shipping,
    discounts: [{ promotion_id: PROMO, code: null, amount_minor: 495, on: { kind: "shipping" } }],
    taxes: [
      { tax_class: "reduced", rate_bp: 700, taxable_minor: 2000, tax_minor: 140 },
      { tax_class: "standard", rate_bp: 1900, taxable_minor: 10_000, tax_minor: 1900 },
    ],
    subtotal_minor: 12_000,
    discount_minor: 495,
    tax_minor: 2040,
    total_minor: 14_040,
  };
})();

function rows(): string[][] {
  return screen.getAllByRole("row").map((row) => [...row.querySelectorAll("th, td")].map((cell) => cell.textContent ?? ""));
}

describe("the price breakdown", () => {
  it("shows a tax-inclusive cart: the code's discount, free shipping, the total and the VAT it contains", () => {
    render(<PriceBreakdown breakdown={inclusive} currency="EUR" shippingName="Standard" />);
    expect(screen.getByRole("table", { name: "Price breakdown" })).toBeInTheDocument();
    expect(rows()).toEqual([
      ["Subtotal", "€60.00"],
      ["Discount (WELCOME10)", "-€6.00"],
      ["Shipping (Standard)", "Free"],
      ["Total", "€54.00"],
      ["incl. 19 % VAT", "€8.62"],
    ]);
  });

  it("adds tax per rate in a tax-exclusive shop, before the total, and names a discount on shipping", () => {
    render(<PriceBreakdown breakdown={exclusive} currency="EUR" />);
    expect(rows()).toEqual([
      ["Subtotal", "€120.00"],
      ["Shipping discount", "-€4.95"],
      ["Shipping", "€4.95"],
      ["Tax 19 %", "€19.00"],
      ["Tax 7 %", "€1.40"],
      ["Total", "€140.40"],
    ]);
  });

  it("says when shipping is still to be chosen, and writes rates in the shopper's language", async () => {
    await i18n.changeLanguage("zh");
    try {
      render(<PriceBreakdown breakdown={{ ...inclusive, shipping: null, taxes: [{ tax_class: "reduced", rate_bp: 550, taxable_minor: 100, tax_minor: 5 }] }} currency="EUR" shippingRequired />);
      expect(screen.getByRole("row", { name: /运费/ })).toHaveTextContent("尚未选择");
      expect(screen.getByRole("row", { name: /增值税/ })).toHaveTextContent("含 5.5% 增值税");
    } finally {
      await i18n.changeLanguage("en");
    }
  });

  it("adds up tax per rate and leaves untaxed amounts out", () => {
    expect(
      taxesByRate([
        { tax_class: "standard", rate_bp: 1900, taxable_minor: 1000, tax_minor: 190 },
        { tax_class: "zero", rate_bp: 0, taxable_minor: 500, tax_minor: 0 },
        { tax_class: "reduced", rate_bp: 700, taxable_minor: 1000, tax_minor: 70 },
        { tax_class: "reduced", rate_bp: 1900, taxable_minor: 100, tax_minor: 19 },
      ]),
    ).toEqual([
      { rate_bp: 1900, tax_minor: 209 },
      { rate_bp: 700, tax_minor: 70 },
    ]);
  });
});

const problem = (code: string, message: string) => ({
  status: 422,
  body: { type: "about:blank", title: "Unprocessable", status: 422, code, detail: message, errors: [{ field: "code", message }] },
});

function cart(overrides: Partial<Schemas["Cart"]> = {}): Schemas["Cart"] {
  return {
    currency: "EUR",
    item_count: 2,
    subtotal_minor: 6000,
    ready_for_checkout: true,
    code: null,
    pricing: null,
    lines: [
      { variant_id: V1, product_id: "p1", title: "Sneakers", sku: "SN-42", quantity: 2, unit_price_minor: 3000, currency: "EUR", line_total_minor: 6000, available: 9, added_at: "2026-12-03T10:00:00Z", issues: [] },
    ],
    ...overrides,
  };
}

describe("the promotion code field", () => {
  it("shows a refusal in the shopper's language beside the field, then the applied code", async () => {
    const sent = stubApi({
      "POST /api/v1/cart/code": (s) =>
        (s.body as { code: string }).code === "WELCOME10" ? { status: 200, body: cart({ code: { code: "WELCOME10" } }) } : problem("code_unknown", "no such code"),
    });
    renderAt("/", [{ path: "/", element: <PromoCode applied={null} /> }]);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Promotion code"), "NOPE");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    const message = await screen.findByText("There is no such code. Check its spelling.");
    expect(screen.getByLabelText("Promotion code")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Promotion code")).toHaveAttribute("aria-describedby", expect.stringContaining(message.id));

    await user.clear(screen.getByLabelText("Promotion code"));
    expect(screen.queryByText("There is no such code. Check its spelling.")).not.toBeInTheDocument();
    await user.type(screen.getByLabelText("Promotion code"), "WELCOME10");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(sent.filter((s) => s.method === "POST").map((s) => s.body)).toEqual([{ code: "NOPE" }, { code: "WELCOME10" }]));
  });

  it("words each refusal in Chinese, and falls back to the API's message for others", async () => {
    stubApi({
      "POST /api/v1/cart/code": (s) =>
        (s.body as { code: string }).code === "OLD" ? problem("code_expired", "the code has expired") : problem("validation_failed", "must be 3 to 32 letters"),
    });
    await i18n.changeLanguage("zh");
    try {
      renderAt("/", [{ path: "/", element: <PromoCode applied={null} /> }]);
      const user = userEvent.setup();
      await user.type(screen.getByLabelText("优惠码"), "OLD");
      await user.click(screen.getByRole("button", { name: "使用" }));
      expect(await screen.findByRole("alert")).toHaveTextContent("该优惠码已过期。");
      await user.clear(screen.getByLabelText("优惠码"));
      await user.type(screen.getByLabelText("优惠码"), "x!");
      await user.click(screen.getByRole("button", { name: "使用" }));
      expect(await screen.findByText("must be 3 to 32 letters")).toBeInTheDocument();
    } finally {
      await i18n.changeLanguage("en");
    }
  });

  it("says when an applied code no longer applies, and removes it", async () => {
    const sent = stubApi({ "DELETE /api/v1/cart/code": { status: 200, body: cart() } });
    renderAt("/", [
      {
        path: "/",
        element: <PromoCode applied={{ code: "WELCOME10", problem: "usage_limit_reached", problem_detail: "you have redeemed the code as often as you may" }} />,
      },
    ]);
    expect(screen.getByText("Code WELCOME10 applied")).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("This code has been used as often as it may be. It is not applied now: remove it to check out.");
    await userEvent.setup().click(screen.getByRole("button", { name: "Remove code WELCOME10" }));
    await waitFor(() => expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(["DELETE /api/v1/cart/code"]));
  });
});

describe("the cart's totals", () => {
  it("shows the subtotal and that shipping and tax come at checkout until the cart is priced", async () => {
    stubApi({ "GET /api/v1/cart": { status: 200, body: cart() } });
    renderAt("/cart", [{ path: "/cart", element: <CartPage /> }]);
    expect(await screen.findByText("Shipping and tax are calculated at checkout.")).toBeInTheDocument();
    expect(screen.getByText(/^Subtotal/)).toHaveTextContent("Subtotal: €60.00");
    expect(screen.queryByRole("table", { name: "Price breakdown" })).not.toBeInTheDocument();
  });

  it("shows the breakdown once the cart is priced at an address", async () => {
    const pricing = { address_id: ADDRESS, shipping_methods: [{ id: STANDARD, name: "Standard", delivery_time: "2–4 working days", price_minor: 0 }], shipping_method_id: STANDARD, shipping_required: true, breakdown: inclusive };
    stubApi({ "GET /api/v1/cart": { status: 200, body: cart({ code: { code: "WELCOME10" }, pricing }) } });
    renderAt("/cart", [{ path: "/cart", element: <CartPage /> }]);
    const table = await screen.findByRole("table", { name: "Price breakdown" });
    expect(within(table).getByRole("row", { name: /Discount \(WELCOME10\)/ })).toHaveTextContent("-€6.00");
    expect(within(table).getByRole("row", { name: /Shipping \(Standard\)/ })).toHaveTextContent("Free");
    expect(screen.getByText("Code WELCOME10 applied")).toBeInTheDocument();
  });
});

describe("checkout", () => {
  const address = { id: ADDRESS, full_name: "Ada Lovelace", line1: "12 Analytical Street", city: "Berlin", postal_code: "10115", country: "DE", is_default: true, created_at: "2026-12-03T10:00:00Z" };
  const methods = [
    { id: STANDARD, name: "Standard", delivery_time: "2–4 working days", price_minor: 495 },
    { id: EXPRESS, name: "Express", delivery_time: "next working day", price_minor: 1290 },
  ];
  const priced = (methodId: string | null): Schemas["Cart"] =>
    cart({
      pricing: {
        address_id: ADDRESS,
        shipping_methods: methods,
        shipping_method_id: methodId,
        shipping_required: true,
        breakdown: { ...inclusive, shipping: methodId ? { method_id: methodId, ...charge(methodId === STANDARD ? 495 : 1290, 0, 1900, true) } : null },
      },
    });

  it("prices the cart at the address, offers its methods, and places the order with the chosen one", async () => {
    let current = cart();
    const sent = stubApi({
      "GET /api/v1/cart": () => ({ status: 200, body: current }),
      "GET /api/v1/users/me/addresses": { status: 200, body: [address] },
      "PUT /api/v1/cart/delivery": (s) => {
        current = priced((s.body as { shipping_method_id: string | null }).shipping_method_id);
        return { status: 200, body: current };
      },
      "POST /api/v1/checkout": problem("usage_limit_reached", "you have redeemed the code as often as you may"),
    });
    renderAt("/checkout", [{ path: "/checkout", element: <CheckoutPage /> }]);
    const group = await screen.findByRole("group", { name: "Shipping method" });
    expect(sent.find((s) => s.method === "PUT")?.body).toEqual({ address_id: ADDRESS, shipping_method_id: null });
    expect(within(group).getByRole("radio", { name: /Standard.*2–4 working days.*€4\.95/ })).not.toBeChecked();
    expect(screen.getByRole("button", { name: "Place order" })).toBeDisabled();
    expect(screen.getByText("Choose a shipping method to place the order.")).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(within(group).getByRole("radio", { name: /Express/ }));
    await waitFor(() => expect(within(group).getByRole("radio", { name: /Express/ })).toBeChecked());
    expect(sent.filter((s) => s.method === "PUT").at(-1)?.body).toEqual({ address_id: ADDRESS, shipping_method_id: EXPRESS });
    expect(screen.getByRole("row", { name: /Shipping \(Express\)/ })).toHaveTextContent("€12.90");

    current = { ...current, code: { code: "WELCOME10" } };
    await user.click(screen.getByRole("button", { name: "Place order" }));
    await waitFor(() => expect(sent.find((s) => s.path === "/api/v1/checkout")?.body).toEqual({ address_id: ADDRESS, shipping_method_id: EXPRESS }));
    expect(await screen.findByText(/This code has been used as often as it may be/)).toBeInTheDocument();
  });

  it("shows a refused shipping method beside the methods", async () => {
    stubApi({
      "GET /api/v1/cart": { status: 200, body: priced(STANDARD) },
      "GET /api/v1/users/me/addresses": { status: 200, body: [address] },
      "POST /api/v1/checkout": {
        status: 422,
        body: { type: "about:blank", title: "Invalid", status: 422, code: "validation_failed", detail: "1 field is invalid", errors: [{ field: "shipping_method_id", message: "is not a shipping method that delivers this cart to this address" }] },
      },
    });
    renderAt("/checkout", [{ path: "/checkout", element: <CheckoutPage /> }]);
    const group = await screen.findByRole("group", { name: "Shipping method" });
    await userEvent.setup().click(screen.getByRole("button", { name: "Place order" }));
    const message = await screen.findByText("is not a shipping method that delivers this cart to this address");
    expect(group).toHaveAttribute("aria-describedby", message.id);
    expect(screen.queryByText("1 field is invalid")).not.toBeInTheDocument();
  });
});

describe("an order", () => {
  it("shows the breakdown it was placed with and its shipping method", async () => {
    const id = "00000000-0000-4000-8000-0000000000d1";
    stubApi({
      [`GET /api/v1/orders/${id}`]: {
        status: 200,
        body: {
          id,
          number: 7,
          user_id: "u",
          status: "paid",
          currency: "EUR",
          subtotal_minor: 6000,
          discount_minor: 600,
          shipping_minor: 0,
          tax_minor: 862,
          total_minor: 5400,
          pricing: inclusive,
          shipping_method: { method_id: STANDARD, name: "Standard", delivery_time: "2–4 working days" },
          shipping_address: { full_name: "Ada Lovelace" },
          created_at: "2026-12-03T10:00:00Z",
          updated_at: "2026-12-03T10:00:00Z",
          lines: [],
        },
      },
    });
    renderAt(`/orders/${id}`, [{ path: "/orders/:id", element: <OrderPage /> }]);
    const table = await screen.findByRole("table", { name: "Price breakdown" });
    expect(within(table).getByRole("row", { name: /Discount \(WELCOME10\)/ })).toHaveTextContent("-€6.00");
    expect(within(table).getByRole("row", { name: /^Total/ })).toHaveTextContent("€54.00");
    expect(screen.getByText("Shipping method: Standard (2–4 working days)")).toBeInTheDocument();
  });
});
