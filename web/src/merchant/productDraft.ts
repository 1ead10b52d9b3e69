// The new-product form's state and its conversion into the API's `NewProduct`: prices typed as
// decimals become minor units, name/value rows become objects, and mistakes are reported under
// the same field paths the API uses (`variants[0].price_minor`), so one error map serves both.
import type { Schemas } from "../api/client";
import { parseMoney } from "../lib/money";

export type NewProduct = Schemas["NewProduct"];
export type NewVariant = Schemas["NewVariant"];
export type FieldErrors = Record<string, string>;

/** A name/value row (an attribute or a variant option); `key` only identifies the row on screen. */
export interface Pair {
  key: string;
  name: string;
  value: string;
}

export interface ImageDraft {
  key: string;
  url: string;
  alt: string;
}

export interface VariantDraft {
  key: string;
  sku: string;
  options: Pair[];
  price: string;
  currency: string;
  compareAt: string;
  onHand: string;
  lowStockThreshold: string;
  weight: string;
}

export interface ProductDraft {
  title: string;
  slug: string;
  description: string;
  category: string;
  status: "draft" | "published";
  attributes: Pair[];
  images: ImageDraft[];
  variants: VariantDraft[];
}

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

let counter = 0;
export const rowKey = (): string => `row-${++counter}`;

export const emptyPair = (): Pair => ({ key: rowKey(), name: "", value: "" });
export const emptyImage = (): ImageDraft => ({ key: rowKey(), url: "", alt: "" });

export function emptyVariant(currency = "EUR"): VariantDraft {
  return {
    key: rowKey(),
    sku: "",
    options: [],
    price: "",
    currency,
    compareAt: "",
    onHand: "0",
    lowStockThreshold: "",
    weight: "",
  };
}

export function emptyDraft(): ProductDraft {
  return {
    title: "",
    slug: "",
    description: "",
    category: "",
    status: "draft",
    attributes: [],
    images: [],
    variants: [emptyVariant()],
  };
}

/** Translates a message key of `errors.*` (the console passes i18next's `t`). */
export type Translate = (key: string) => string;

export type Conversion = { ok: true; body: NewProduct } | { ok: false; errors: FieldErrors };

/** Rows to an object; blank rows are skipped, a value without a name or a repeated name is an error. */
function pairsToObject(pairs: Pair[], path: string, errors: FieldErrors, t: Translate): Record<string, string> {
  const object: Record<string, string> = {};
  pairs.forEach((pair, i) => {
    const name = pair.name.trim();
    if (!name && !pair.value.trim()) return;
    if (!name) errors[`${path}[${i}].name`] = t("errors.nameRequired");
    else if (name in object) errors[`${path}[${i}].name`] = t("errors.duplicateName");
    else object[name] = pair.value.trim();
  });
  return object;
}

/** A whole number typed in a field: undefined when blank, NaN when not whole. */
function wholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** Minor units of a typed price, or null when it is not a price in `currency`. */
export function priceToMinor(text: string, currency: string): number | null {
  return CURRENCY_PATTERN.test(currency) ? parseMoney(text, currency) : null;
}

function toVariant(draft: VariantDraft, i: number, errors: FieldErrors, t: Translate): NewVariant {
  const path = `variants[${i}]`;
  const currency = draft.currency.trim();
  if (!CURRENCY_PATTERN.test(currency)) errors[`${path}.currency`] = t("errors.currency");
  const price = priceToMinor(draft.price, currency);
  if (price === null && CURRENCY_PATTERN.test(currency)) errors[`${path}.price_minor`] = t("errors.price");
  const compareAt = draft.compareAt.trim() ? priceToMinor(draft.compareAt, currency) : undefined;
  if (compareAt === null && CURRENCY_PATTERN.test(currency)) errors[`${path}.compare_at_minor`] = t("errors.price");
  const numbers = {
    on_hand: wholeNumber(draft.onHand),
    low_stock_threshold: wholeNumber(draft.lowStockThreshold),
    weight_grams: wholeNumber(draft.weight),
  };
  for (const [field, value] of Object.entries(numbers)) {
    if (Number.isNaN(value)) errors[`${path}.${field}`] = t("errors.wholeNumber");
  }
  const variant: NewVariant = {
    sku: draft.sku.trim(),
    options: pairsToObject(draft.options, `${path}.options`, errors, t),
    price_minor: price ?? 0,
    currency,
    on_hand: numbers.on_hand ?? 0,
  };
  if (compareAt != null) variant.compare_at_minor = compareAt;
  if (numbers.low_stock_threshold !== undefined) variant.low_stock_threshold = numbers.low_stock_threshold;
  if (numbers.weight_grams !== undefined) variant.weight_grams = numbers.weight_grams;
  return variant;
}

/** The request body for `POST /api/v1/products`, or the fields to fix first. */
export function toNewProduct(draft: ProductDraft, t: Translate): Conversion {
  const errors: FieldErrors = {};
  const body: NewProduct = {
    title: draft.title.trim(),
    description: draft.description,
    status: draft.status,
    attributes: pairsToObject(draft.attributes, "attributes", errors, t),
    images: draft.images.map((image, i) => {
      if (!image.url.trim()) errors[`images[${i}].url`] = t("errors.urlRequired");
      return { url: image.url.trim(), alt: image.alt.trim() };
    }),
    variants: draft.variants.map((variant, i) => toVariant(variant, i, errors, t)),
  };
  if (draft.slug.trim()) body.slug = draft.slug.trim();
  if (draft.category) body.category = draft.category;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/**
 * Field errors of a 409 conflict, placed where the merchant can fix them: a taken slug on the slug
 * field, a taken SKU (named in the detail as `(sku)=(ABC-1)`) on that variant's SKU field.
 */
export function conflictErrors(code: string, detail: string, draft: ProductDraft): FieldErrors {
  if (code === "slug_taken") return { slug: detail };
  if (code !== "sku_taken") return {};
  const sku = /\(sku\)=\(([^)]+)\)/.exec(detail)?.[1];
  const index = draft.variants.findIndex((v) => v.sku.trim() === sku);
  return index >= 0 ? { [`variants[${index}].sku`]: detail } : {};
}
