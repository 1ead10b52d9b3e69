// Stock levels of variants: out of stock (nothing available), low (available at or below the
// variant's low-stock threshold) or in stock, and the low-stock list across products.
import type { Product, Variant } from "./queries";

export type StockLevel = "out" | "low" | "in";

type StockFields = Pick<Variant, "available" | "low_stock_threshold">;

export function stockLevel(variant: StockFields): StockLevel {
  if (variant.available <= 0) return "out";
  const threshold = variant.low_stock_threshold;
  return threshold != null && variant.available <= threshold ? "low" : "in";
}

export interface LowStockRow {
  product: Pick<Product, "id" | "title" | "status">;
  variant: Variant;
  level: Exclude<StockLevel, "in">;
}

/**
 * Variants that are out of stock or at/below their threshold, emptiest first, then by title and
 * SKU. Archived products are left out: they are no longer sold.
 */
export function lowStockRows(
  products: { product: LowStockRow["product"]; variants: Variant[] }[],
): LowStockRow[] {
  const rows: LowStockRow[] = [];
  for (const { product, variants } of products) {
    if (product.status === "archived") continue;
    for (const variant of variants) {
      const level = stockLevel(variant);
      if (level !== "in") rows.push({ product, variant, level });
    }
  }
  return rows.sort(
    (a, b) =>
      a.variant.available - b.variant.available ||
      a.product.title.localeCompare(b.product.title) ||
      a.variant.sku.localeCompare(b.variant.sku),
  );
}
