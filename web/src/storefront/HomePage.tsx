// The storefront's front page: top-level categories and the newest products.
import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { Empty, Loading, QueryView } from "../ui/states";
import { ProductCard, ProductGrid } from "./ProductCard";

export function HomePage() {
  const { t } = useTranslation();
  const categories = useQuery({ queryKey: ["categories"], queryFn: () => unwrap(api.GET("/api/v1/categories")), staleTime: 300_000 });
  const newest = useQuery({
    queryKey: ["products", "newest"],
    queryFn: () => unwrap(api.GET("/api/v1/products", { params: { query: { limit: 8, sort: "newest" } } })),
  });
  // One loading state for the whole page: sections appear together, nothing jumps.
  if (categories.isPending || newest.isPending) return <Loading />;
  return (
    <>
      <section className="hero">
        <h1>{t("home.title")}</h1>
        <p className="muted">{t("home.subtitle")}</p>
      </section>
      <section aria-labelledby="home-categories">
        <h2 id="home-categories">{t("home.categories")}</h2>
        <QueryView query={categories}>
          {(list) => {
            const roots = list.filter((c) => !c.parent_id);
            if (roots.length === 0) return <Empty>{t("home.noCategories")}</Empty>;
            return (
              <ul className="category-list">
                {roots.map((c) => (
                  <li key={c.id}>
                    <Link className="button secondary" to={`/products?category=${encodeURIComponent(c.slug)}`}>
                      {c.name}
                    </Link>
                  </li>
                ))}
              </ul>
            );
          }}
        </QueryView>
      </section>
      <section aria-labelledby="home-newest">
        <h2 id="home-newest">{t("home.newest")}</h2>
        <QueryView query={newest}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty>{t("catalog.empty")}</Empty>
            ) : (
              <ProductGrid>
                {page.items.map((p) => (
                  <li key={p.id}>
                    <ProductCard product={p} />
                  </li>
                ))}
              </ProductGrid>
            )
          }
        </QueryView>
      </section>
    </>
  );
}
