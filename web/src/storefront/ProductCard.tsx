// One product in a grid: image, title (optionally with search highlights), price and stock.
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { Money } from "../ui/Money";
import { ProductImage } from "../ui/ProductPicture";

type Product = Schemas["Product"];

interface ProductCardProps {
  product: Product;
  title?: ReactNode;
  extra?: ReactNode;
  /** The title's heading level: 2 right under a page's h1, 3 under a section's h2. */
  level?: 2 | 3;
}

export function ProductCard({ product, title, extra, level = 3 }: ProductCardProps) {
  const { t } = useTranslation();
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <article className="card product-card">
      <ProductImage product={product} slot="card" />
      <Heading className="product-title">
        <Link to={`/products/${product.id}`}>{title ?? product.title}</Link>
      </Heading>
      {product.min_price_minor != null && product.currency && (
        <p className="price">
          {product.variant_count > 1 && <span className="muted">{t("product.from")} </span>}
          <Money minor={product.min_price_minor} currency={product.currency} />
        </p>
      )}
      <p className={product.in_stock ? "stock-in" : "stock-out"}>{product.in_stock ? t("product.inStock") : t("product.outOfStock")}</p>
      {extra}
    </article>
  );
}

export function ProductGrid({ children }: { children: ReactNode }) {
  return <ul className="grid">{children}</ul>;
}
