// The catalog: category, price and stock filters and sort kept in the URL (so a filtered page
// can be shared and the back button works), keyset "load more" with the API's cursor.
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { minorDigits, parseMoney } from "../lib/money";
import { Empty, ErrorState, Loading } from "../ui/states";
import { ProductCard, ProductGrid } from "./ProductCard";

const SORTS: Schemas["Sort"][] = ["newest", "price_asc", "price_desc", "title"];
/** Price filters are typed in the listed products' currency (the demo shop's is EUR). */
const DEFAULT_CURRENCY = "EUR";

export function ProductListPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const category = params.get("category") ?? undefined;
  const sort = (SORTS.find((s) => s === params.get("sort")) ?? "newest") as Schemas["Sort"];
  const inStock = params.get("in_stock") === "true" ? true : undefined;
  const min = numberParam(params.get("min_price_minor"));
  const max = numberParam(params.get("max_price_minor"));
  const filters = { category, sort, in_stock: inStock, min_price_minor: min, max_price_minor: max, limit: 24 };

  const products = useInfiniteQuery({
    queryKey: ["products", "list", filters],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/api/v1/products", { params: { query: { ...filters, cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const categories = useQuery({ queryKey: ["categories"], queryFn: () => unwrap(api.GET("/api/v1/categories")), staleTime: 300_000 });

  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === "") next.delete(key);
      else next.set(key, value);
    }
    setParams(next);
  };
  // The filters and the first page appear together, so nothing shifts as they arrive.
  if (categories.isPending || products.isPending) return <Loading />;
  const heading = categories.data?.find((c) => c.slug === category)?.name ?? t("catalog.title");
  const items = products.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="layout-sidebar">
      <aside className="filters" aria-label={t("catalog.filters")}>
        <fieldset>
          <legend>{t("catalog.category")}</legend>
          <ul className="facet-list">
            <li>
              <Link to={linkWith(params, { category: undefined })} aria-current={!category ? "page" : undefined}>
                {t("catalog.allCategories")}
              </Link>
            </li>
            {categories.data?.map((c) => (
              <li key={c.id} className={c.parent_id ? "facet-child" : undefined}>
                <Link to={linkWith(params, { category: c.slug })} aria-current={c.slug === category ? "page" : undefined}>
                  {c.name}
                </Link>
              </li>
            ))}
          </ul>
        </fieldset>
        <PriceFilter
          key={`${min}-${max}`}
          currency={products.data?.pages[0]?.items[0]?.currency ?? DEFAULT_CURRENCY}
          min={min}
          max={max}
          onApply={(lo, hi) => update({ min_price_minor: lo, max_price_minor: hi })} />
        <fieldset>
          <legend>{t("catalog.availability")}</legend>
          <label>
            <input type="checkbox" checked={inStock === true} onChange={(e) => update({ in_stock: e.target.checked ? "true" : undefined })} />{" "}
            {t("catalog.inStockOnly")}
          </label>
        </fieldset>
      </aside>
      <section aria-labelledby="catalog-heading">
        <div className="page-header">
          <h1 id="catalog-heading">{heading}</h1>
          <label>
            {t("catalog.sort")}{" "}
            <select value={sort} onChange={(e) => update({ sort: e.target.value })}>
              {SORTS.map((s) => (
                <option key={s} value={s}>
                  {t(`catalog.sorts.${s}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {items.length === 0 && products.error ? (
          <ErrorState error={products.error} onRetry={() => void products.refetch()} />
        ) : items.length === 0 ? (
          <Empty>{t("catalog.empty")}</Empty>
        ) : (
          <>
            <ProductGrid>
              {items.map((p) => (
                <li key={p.id}>
                  <ProductCard product={p} level={2} />
                </li>
              ))}
            </ProductGrid>
            <div className="load-more">
              {products.hasNextPage && (
                <button type="button" className="button secondary" disabled={products.isFetchingNextPage} onClick={() => void products.fetchNextPage()}>
                  {products.isFetchingNextPage ? t("state.loading") : t("catalog.loadMore")}
                </button>
              )}
              {products.isFetchNextPageError && <ErrorState error={products.error} onRetry={() => void products.fetchNextPage()} />}
            </div>
          </>
        )}
      </section>
    </div>
  );
}

interface PriceFilterProps {
  currency: string;
  min?: number | undefined;
  max?: number | undefined;
  onApply: (min?: string, max?: string) => void;
}

function PriceFilter({ currency, min, max, onApply }: PriceFilterProps) {
  const { t } = useTranslation();
  const scale = 10 ** minorDigits(currency);
  const [low, setLow] = useState(min !== undefined ? String(min / scale) : "");
  const [high, setHigh] = useState(max !== undefined ? String(max / scale) : "");
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const lo = low.trim() ? parseMoney(low, currency) : undefined;
    const hi = high.trim() ? parseMoney(high, currency) : undefined;
    if (lo === null || hi === null) return setError(t("catalog.priceInvalid"));
    if (lo !== undefined && hi !== undefined && lo > hi) return setError(t("catalog.priceOrder"));
    setError(null);
    onApply(lo?.toString(), hi?.toString());
  };
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>{t("catalog.price", { currency })}</legend>
        <div className="form-row">
          <label>
            {t("catalog.minPrice")}
            <input inputMode="decimal" size={6} value={low} onChange={(e) => setLow(e.target.value)} />
          </label>
          <label>
            {t("catalog.maxPrice")}
            <input inputMode="decimal" size={6} value={high} onChange={(e) => setHigh(e.target.value)} />
          </label>
          <button type="submit" className="button secondary">
            {t("catalog.apply")}
          </button>
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}

function numberParam(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function linkWith(params: URLSearchParams, changes: Record<string, string | undefined>): string {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) next.delete(key);
    else next.set(key, value);
  }
  const query = next.toString();
  return query ? `/products?${query}` : "/products";
}
