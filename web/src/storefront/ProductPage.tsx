// A product: images, description, attributes, a variant picker with price and stock state,
// add to cart, and similar products from the assistant's vectors.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, ApiError, type Schemas } from "../api/client";
import { Money } from "../ui/Money";
import { FormError } from "../ui/form";
import { ErrorState, Loading } from "../ui/states";
import { ProductImage, ProductPicture, SIZES, mediaOf, smallestOf, type Media } from "../ui/ProductPicture";
import { ProductCard, ProductGrid } from "./ProductCard";
import { useAddToCart } from "./useAddToCart";

type Variant = Schemas["Variant"];

export function ProductPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const product = useQuery({ queryKey: ["product", id], queryFn: () => unwrap(api.GET("/api/v1/products/{id}", { params: { path: { id } } })) });

  if (product.error instanceof ApiError && product.error.status === 404) {
    return (
      <div className="state">
        <h1>{t("product.notFound")}</h1>
        <Link to="/products">{t("catalog.title")}</Link>
      </div>
    );
  }
  if (product.error) return <ErrorState error={product.error} onRetry={() => void product.refetch()} />;
  if (!product.data) return <Loading />;
  const p = product.data;
  const media = mediaOf(p);
  const attributes = Object.entries(p.attributes as Record<string, unknown>);

  return (
    <>
      <div className="product-layout">
        <div className="product-hero">
          {media.length > 0 ? <Gallery key={p.id} media={media} title={p.title} /> : <ProductImage product={p} slot="page" fallbackAlt={p.title} />}
        </div>
        <section aria-labelledby="product-title">
          {p.category_path && <p className="muted">{p.category_path.replaceAll("/", " › ")}</p>}
          <h1 id="product-title">{p.title}</h1>
          <VariantPicker variants={p.variants ?? []} />
          <h2>{t("product.description")}</h2>
          <p className="description">{p.description}</p>
          {attributes.length > 0 && (
            <>
              <h2>{t("product.details")}</h2>
              <dl className="attributes">
                {attributes.map(([name, value]) => (
                  <div key={name}>
                    <dt>{name}</dt>
                    <dd>{String(value)}</dd>
                  </div>
                ))}
              </dl>
            </>
          )}
        </section>
      </div>
      <SimilarProducts id={p.id} />
    </>
  );
}

/** The main image, and with more than one a row of thumbnails (buttons) that switch it. */
function Gallery({ media, title }: { media: Media[]; title: string }) {
  const { t } = useTranslation();
  const [selectedId, setSelectedId] = useState(media[0]?.id);
  const selected = media.find((m) => m.id === selectedId) ?? media[0];
  if (!selected) return null;
  return (
    <>
      <ProductPicture key={selected.id} media={selected} sizes={SIZES.page} loading="eager" fallbackAlt={title} />
      {media.length > 1 && (
        <ul className="gallery-thumbs" aria-label={t("product.gallery")}>
          {media.map((m, index) => {
            const thumb = smallestOf(m.renditions);
            return (
              <li key={m.id}>
                <button
                  type="button"
                  className="gallery-thumb"
                  aria-pressed={m.id === selected.id}
                  aria-label={t("product.showImage", { n: index + 1, count: media.length, alt: m.alt || title })}
                  onClick={() => setSelectedId(m.id)}
                >
                  {thumb && <img src={thumb.url} alt="" width={thumb.width} height={thumb.height} loading="lazy" />}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

function describe(variant: Variant): string {
  const options = Object.values(variant.options as Record<string, unknown>).map(String);
  return options.length > 0 ? options.join(" / ") : variant.sku;
}

function VariantPicker({ variants }: { variants: Variant[] }) {
  const { t } = useTranslation();
  const firstAvailable = variants.find((v) => v.available > 0) ?? variants[0];
  const [selectedId, setSelectedId] = useState(firstAvailable?.id);
  const [quantity, setQuantity] = useState(1);
  const addToCart = useAddToCart();
  const selected = variants.find((v) => v.id === selectedId);
  if (!selected) return <p className="stock-out">{t("product.noVariants")}</p>;

  return (
    <form
      className="variant-form"
      onSubmit={(event) => {
        event.preventDefault();
        addToCart.mutate({ variantId: selected.id, quantity });
      }}
    >
      <p className="price">
        <Money minor={selected.price_minor} currency={selected.currency} />
        {selected.compare_at_minor != null && selected.compare_at_minor > selected.price_minor && (
          <s aria-label={t("product.was")}>
            <Money minor={selected.compare_at_minor} currency={selected.currency} />
          </s>
        )}
      </p>
      {variants.length > 1 && (
        <fieldset className="variant-options">
          <legend>{t("product.chooseVariant")}</legend>
          {variants.map((v) => (
            <label key={v.id} className={v.id === selectedId ? "variant-option selected" : "variant-option"}>
              <input type="radio" name="variant" value={v.id} checked={v.id === selectedId} onChange={() => setSelectedId(v.id)} />
              {describe(v)}
              {v.available === 0 && <span className="stock-out"> · {t("product.outOfStock")}</span>}
            </label>
          ))}
        </fieldset>
      )}
      <StockState variant={selected} />
      <div className="form-row">
        <label>
          {t("product.quantity")}
          <input type="number" min={1} max={Math.max(1, Math.min(1000, selected.available))} value={quantity} onChange={(e) => setQuantity(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <button type="submit" className="button" disabled={selected.available === 0 || addToCart.isPending}>
          {t("product.addToCart")}
        </button>
      </div>
      <FormError error={addToCart.error} />
      {addToCart.isSuccess && addToCart.data && (
        <p className="form-success" role="status">
          {t("product.added")} <Link to="/cart">{t("product.viewCart")}</Link>
        </p>
      )}
    </form>
  );
}

function StockState({ variant }: { variant: Variant }) {
  const { t } = useTranslation();
  if (variant.available === 0) return <p className="stock-out">{t("product.outOfStock")}</p>;
  if (variant.low_stock_threshold != null && variant.available <= variant.low_stock_threshold) {
    return <p className="stock-low">{t("product.onlyLeft", { count: variant.available })}</p>;
  }
  return <p className="stock-in">{t("product.inStock")}</p>;
}

function SimilarProducts({ id }: { id: string }) {
  const { t } = useTranslation();
  const similar = useQuery({
    queryKey: ["similar", id],
    queryFn: () => unwrap(api.GET("/api/v1/products/{id}/similar", { params: { path: { id } } })),
    retry: false,
  });
  // Similar products are a bonus: while the vector index is unavailable the section stays away.
  if (!similar.data || similar.data.items.length === 0) return null;
  return (
    <section aria-labelledby="similar-heading">
      <h2 id="similar-heading">{t("product.similar")}</h2>
      <ProductGrid>
        {similar.data.items.slice(0, 4).map((item) => (
          <li key={item.product.id}>
            <ProductCard product={item.product} />
          </li>
        ))}
      </ProductGrid>
    </section>
  );
}
