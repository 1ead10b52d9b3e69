// Full-text search: typo-tolerant matches with highlighted words, facet counts (category,
// price band, attributes) that narrow the results, and numbered pages.
import { Link, useSearchParams } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { Highlighted } from "../ui/Highlighted";
import { Money } from "../ui/Money";
import { Empty, QueryView } from "../ui/states";
import { ProductCard, ProductGrid } from "./ProductCard";

const PAGE_SIZE = 24;

interface Facets {
  categories?: { category: string; count: number }[];
  prices?: { min: number; max: number | null; count: number }[];
  attributes?: Record<string, Record<string, number>>;
}

export function SearchPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const q = (params.get("q") ?? "").trim();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const category = params.get("category") ?? undefined;
  const min = params.get("min_price_minor") ?? undefined;
  const max = params.get("max_price_minor") ?? undefined;
  const attributes = [...params.entries()].filter(([k]) => k.startsWith("attr."));

  const results = useQuery({
    queryKey: ["search", params.toString()],
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/search", {
          params: {
            query: {
              q,
              page,
              limit: PAGE_SIZE,
              category,
              min_price_minor: min ? Number(min) : undefined,
              max_price_minor: max ? Number(max) : undefined,
              ...Object.fromEntries(attributes),
            },
          },
        }),
      ),
  });

  if (!q) return <Empty>{t("search.prompt")}</Empty>;

  const link = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    next.delete("page");
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) next.delete(key);
      else next.set(key, value);
    }
    return `/search?${next.toString()}`;
  };

  return (
    <QueryView query={results}>
      {(data) => {
        const facets = data.facets as Facets;
        const currency = data.items[0]?.currency ?? "EUR";
        const pages = Math.min(50, Math.ceil(data.total / PAGE_SIZE));
        return (
          <div className="layout-sidebar">
            <aside className="filters" aria-label={t("catalog.filters")}>
              {(category || min || max || attributes.length > 0) && (
                <p>
                  <Link to={`/search?q=${encodeURIComponent(q)}`}>{t("search.clearFilters")}</Link>
                </p>
              )}
              <FacetGroup legend={t("catalog.category")}>
                {facets.categories?.map((c) => (
                  <li key={c.category}>
                    <Link to={link({ category: c.category })} aria-current={c.category === category ? "page" : undefined}>
                      {c.category}
                    </Link>
                    <span className="muted">{c.count}</span>
                  </li>
                ))}
              </FacetGroup>
              <FacetGroup legend={t("catalog.price", { currency })}>
                {facets.prices?.map((b) => (
                  <li key={b.min}>
                    <Link to={link({ min_price_minor: String(b.min), max_price_minor: b.max != null ? String(b.max - 1) : undefined })}>
                      <Money minor={b.min} currency={currency} />
                      {b.max != null ? (
                        <>
                          {" – "}
                          <Money minor={b.max} currency={currency} />
                        </>
                      ) : (
                        "+"
                      )}
                    </Link>
                    <span className="muted">{b.count}</span>
                  </li>
                ))}
              </FacetGroup>
              {Object.entries(facets.attributes ?? {}).map(([name, values]) => (
                <FacetGroup key={name} legend={name}>
                  {Object.entries(values).map(([value, count]) => (
                    <li key={value}>
                      <Link to={link({ [`attr.${name}`]: value })} aria-current={params.get(`attr.${name}`) === value ? "page" : undefined}>
                        {value}
                      </Link>
                      <span className="muted">{count}</span>
                    </li>
                  ))}
                </FacetGroup>
              ))}
            </aside>
            <section aria-labelledby="search-heading">
              <h1 id="search-heading">{t("search.results", { q, count: data.total })}</h1>
              {data.items.length === 0 ? (
                <Empty>{t("search.none")}</Empty>
              ) : (
                <ProductGrid>
                  {data.items.map((hit) => (
                    <li key={hit.id}>
                      <ProductCard
                        level={2}
                        product={hit}
                        title={<Highlighted html={hit.highlights.title} />}
                        extra={
                          <p className="muted snippet">
                            <Highlighted html={hit.highlights.description} />
                          </p>
                        }
                      />
                    </li>
                  ))}
                </ProductGrid>
              )}
              {pages > 1 && (
                <nav aria-label={t("search.pages")} className="pagination">
                  {page > 1 && <Link to={`${link({})}&page=${page - 1}`}>{t("search.previous")}</Link>}
                  <span>{t("search.pageOf", { page, pages })}</span>
                  {page < pages && <Link to={`${link({})}&page=${page + 1}`}>{t("search.next")}</Link>}
                </nav>
              )}
            </section>
          </div>
        );
      }}
    </QueryView>
  );
}

function FacetGroup({ legend, children }: { legend: string; children: React.ReactNode }) {
  const items = Array.isArray(children) ? children : [children];
  if (items.filter(Boolean).length === 0) return null;
  return (
    <fieldset>
      <legend>{legend}</legend>
      <ul className="facet-list">{children}</ul>
    </fieldset>
  );
}
