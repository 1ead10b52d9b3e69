// Merchant console logic without a screen: the low-stock computation, the order-line state
// machine, and turning the new-product form into the API's body (prices, rows, error paths).
import { describe, expect, it } from "vitest";
import { lowStockRows, stockLevel } from "../src/merchant/lowStock";
import { acceptsFulfilment, canTake, linesFor } from "../src/merchant/fulfilment";
import { conflictErrors, emptyDraft, emptyPair, toNewProduct, type ProductDraft } from "../src/merchant/productDraft";
import { categoryLabels } from "../src/merchant/CategorySelect";
import { pricePattern } from "../src/merchant/VariantFieldset";
import type { Variant } from "../src/merchant/queries";

function variant(sku: string, available: number, threshold: number | null): Variant {
  return {
    id: `v-${sku}`,
    sku,
    available,
    on_hand: available,
    reserved: 0,
    low_stock_threshold: threshold,
    price_minor: 100,
    currency: "EUR",
    options: {},
  };
}

describe("stock levels", () => {
  it("is out at zero or below, low at or under the threshold, in otherwise", () => {
    expect(stockLevel(variant("A", 0, 5))).toBe("out");
    expect(stockLevel(variant("A", -1, null))).toBe("out");
    expect(stockLevel(variant("A", 0, null))).toBe("out");
    expect(stockLevel(variant("A", 5, 5))).toBe("low");
    expect(stockLevel(variant("A", 6, 5))).toBe("in");
    expect(stockLevel(variant("A", 1, null))).toBe("in");
    expect(stockLevel(variant("A", 1, 0))).toBe("in");
  });

  it("lists low and empty variants emptiest first, leaving archived products out", () => {
    const rows = lowStockRows([
      {
        product: { id: "p1", title: "Teapot", status: "published" },
        variants: [variant("TEA-BIG", 3, 5), variant("TEA-SMALL", 50, 5), variant("TEA-RED", 0, null)],
      },
      { product: { id: "p2", title: "Cup", status: "draft" }, variants: [variant("CUP", 3, 3)] },
      { product: { id: "p3", title: "Old mug", status: "archived" }, variants: [variant("MUG", 0, 10)] },
    ]);
    expect(rows.map((r) => [r.variant.sku, r.level])).toEqual([
      ["TEA-RED", "out"],
      ["CUP", "low"],
      ["TEA-BIG", "low"],
    ]);
  });
});

describe("fulfilment state machine", () => {
  it("allows start from unfulfilled, ship before shipping, deliver after shipping", () => {
    expect(canTake("start", "unfulfilled")).toBe(true);
    expect(canTake("start", "fulfilling")).toBe(false);
    expect(canTake("ship", "unfulfilled")).toBe(true);
    expect(canTake("ship", "fulfilling")).toBe(true);
    expect(canTake("ship", "shipped")).toBe(false);
    expect(canTake("deliver", "shipped")).toBe(true);
    expect(canTake("deliver", "delivered")).toBe(false);
  });

  it("accepts fulfilment only for paid, fulfilling and shipped orders", () => {
    expect(["paid", "fulfilling", "shipped"].every((s) => acceptsFulfilment(s as never))).toBe(true);
    expect(["pending_payment", "delivered", "cancelled", "refunded"].some((s) => acceptsFulfilment(s as never))).toBe(
      false,
    );
  });

  it("picks the selected lines that can take the action", () => {
    const lines = [
      { line_no: 1, fulfilment_status: "unfulfilled" as const },
      { line_no: 2, fulfilment_status: "fulfilling" as const },
      { line_no: 3, fulfilment_status: "shipped" as const },
    ];
    expect(linesFor("ship", lines)).toEqual([1, 2]);
    expect(linesFor("ship", lines, new Set([2, 3]))).toEqual([2]);
    expect(linesFor("deliver", lines)).toEqual([3]);
  });
});

const t = (key: string) => key;

function draft(changes: Partial<ProductDraft> = {}): ProductDraft {
  const base = emptyDraft();
  return {
    ...base,
    title: " Teapot ",
    variants: [{ ...base.variants[0]!, sku: "TEA-1", price: "12.5", currency: "EUR", onHand: "7" }],
    ...changes,
  };
}

describe("new product body", () => {
  it("converts decimal prices to minor units and rows to objects", () => {
    const base = draft();
    const result = toNewProduct(
      {
        ...base,
        attributes: [
          { key: "a", name: "brand", value: "Acme" },
          { key: "b", name: "", value: "" },
        ],
        variants: [
          {
            ...base.variants[0]!,
            compareAt: "15",
            lowStockThreshold: "3",
            options: [{ key: "o", name: "size", value: "M" }],
          },
          { ...base.variants[0]!, key: "v2", sku: "TEA-JPY", price: "1200", currency: "JPY", onHand: "" },
        ],
      },
      t,
    );
    expect(result).toEqual({
      ok: true,
      body: {
        title: "Teapot",
        description: "",
        status: "draft",
        attributes: { brand: "Acme" },
        images: [],
        variants: [
          {
            sku: "TEA-1",
            options: { size: "M" },
            price_minor: 1250,
            compare_at_minor: 1500,
            currency: "EUR",
            on_hand: 7,
            low_stock_threshold: 3,
          },
          { sku: "TEA-JPY", options: {}, price_minor: 1200, currency: "JPY", on_hand: 0 },
        ],
      },
    });
  });

  it("reports mistakes under the API's field paths", () => {
    const base = draft();
    const result = toNewProduct(
      {
        ...base,
        attributes: [
          { ...emptyPair(), name: "brand", value: "Acme" },
          { ...emptyPair(), name: "brand", value: "Other" },
        ],
        images: [{ key: "i", url: "", alt: "A teapot" }],
        variants: [{ ...base.variants[0]!, price: "12.345", weight: "1.5" }],
      },
      t,
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        "attributes[1].name": "errors.duplicateName",
        "images[0].url": "errors.urlRequired",
        "variants[0].price_minor": "errors.price",
        "variants[0].weight_grams": "errors.wholeNumber",
      },
    });
  });

  it("places a taken slug or SKU on its field", () => {
    const d = draft();
    expect(conflictErrors("slug_taken", "a product with this slug exists", d)).toEqual({
      slug: "a product with this slug exists",
    });
    const detail = "SKU taken: Key (sku)=(TEA-1) already exists.";
    expect(conflictErrors("sku_taken", detail, d)).toEqual({ "variants[0].sku": detail });
  });

  it("matches prices with the currency's decimals", () => {
    expect(new RegExp(`^(?:${pricePattern("EUR")})$`, "v").test("12.50")).toBe(true);
    expect(new RegExp(`^(?:${pricePattern("EUR")})$`, "v").test("12.505")).toBe(false);
    expect(new RegExp(`^(?:${pricePattern("JPY")})$`, "v").test("12.5")).toBe(false);
  });
});

describe("category labels", () => {
  it("names each category by its path of names", () => {
    const labels = categoryLabels([
      { id: "1", name: "Kitchen", slug: "kitchen", path: "kitchen" },
      { id: "2", name: "Tea", slug: "tea", path: "kitchen/tea", parent_id: "1" },
    ]);
    expect(labels.get("2")).toBe("Kitchen › Tea");
  });
});
