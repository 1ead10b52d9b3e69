// A product's uploaded image as a responsive <picture> (WebP and JPEG srcsets from its renditions, a blurred placeholder until it loads), with the older image URL and an empty box as fallbacks.
import { useState } from "react";
import type { Schemas } from "../api/client";

type Product = Schemas["Product"];

/** One rendition of a ready image (`webp`, or `jpeg` as the fallback). */
export type Rendition = Schemas["RenditionView"];

/** A ready uploaded image as the product JSON's `media` carries it. */
export type Media = Schemas["ShownImage"];

/** The product's ready images in order (answers cached before images existed lack `media`). */
export function mediaOf(product: Pick<Product, "media"> | { media?: unknown }): Media[] {
  const media = (product as { media?: unknown }).media;
  if (!Array.isArray(media)) return [];
  return (media as Media[]).filter((m) => Array.isArray(m?.renditions) && m.renditions.length > 0);
}

function ofFormat(renditions: Rendition[], format: "webp" | "jpeg"): Rendition[] {
  return renditions.filter((r) => r.format === format).sort((a, b) => a.width - b.width);
}

/** `url 160w, url 480w, url 1200w` of one format, narrowest first. */
export function srcsetOf(renditions: Rendition[], format: "webp" | "jpeg"): string {
  return ofFormat(renditions, format)
    .map((r) => `${r.url} ${r.width}w`)
    .join(", ");
}

/** The narrowest rendition of a format (a thumbnail), if any. */
export function smallestOf(renditions: Rendition[], format: "webp" | "jpeg" = "jpeg"): Rendition | undefined {
  return ofFormat(renditions, format)[0];
}

/** Where a picture is shown: the slot widths the browser picks a rendition for (cards in the grid, the product page's main image). */
export const SIZES = {
  card: "(max-width: 30rem) 100vw, 20rem",
  page: "(max-width: 50rem) 100vw, 34rem",
} as const;

/** The box of an external image (its size is unknown): a 4:3 slot as wide as the layout shows it. */
const LEGACY_BOX = { card: [320, 240], page: [640, 480] } as const;

interface PictureProps {
  media: Media;
  sizes: string;
  loading: "lazy" | "eager";
  /** Alt text when the image has none (e.g. the product's title on its own page). */
  fallbackAlt?: string;
}

/** Sets the placeholder as a CSS custom property through the CSSOM (no `style` attribute in markup). */
function placeholderRef(placeholder: string | null | undefined) {
  return (img: HTMLImageElement | null) => {
    if (img && placeholder) img.style.setProperty("--placeholder", `url("${placeholder}")`);
  };
}

/** One uploaded image: `<source type="image/webp">` and an `<img>` with the JPEG srcset. */
export function ProductPicture({ media, sizes, loading, fallbackAlt = "" }: PictureProps) {
  const [loaded, setLoaded] = useState(false);
  const jpeg = ofFormat(media.renditions, "jpeg");
  const webp = srcsetOf(media.renditions, "webp");
  // The widest JPEG is the `src` for browsers that ignore `srcset`; the original's size gives the box.
  const fallback = jpeg[jpeg.length - 1] ?? media.renditions[media.renditions.length - 1];
  const width = media.width || fallback?.width;
  const height = media.height || fallback?.height;
  const showPlaceholder = Boolean(media.placeholder) && !loaded;
  return (
    <picture className="product-picture">
      {webp && <source type="image/webp" srcSet={webp} sizes={sizes} />}
      <img
        ref={placeholderRef(media.placeholder)}
        className={showPlaceholder ? "picture-img has-placeholder" : "picture-img"}
        src={fallback?.url}
        srcSet={srcsetOf(media.renditions, "jpeg") || undefined}
        sizes={sizes}
        width={width}
        height={height}
        alt={media.alt || fallbackAlt}
        loading={loading}
        decoding="async"
        onLoad={() => setLoaded(true)}
      />
    </picture>
  );
}

/**
 * A product's first image: its first uploaded one, else the first external image URL, else an
 * empty placeholder box.
 */
export function ProductImage({
  product,
  slot,
  fallbackAlt,
}: {
  product: Pick<Product, "images" | "media">;
  /** A card in a grid (lazy) or the product page's main image (eager). */
  slot: "card" | "page";
  fallbackAlt?: string;
}) {
  const loading = slot === "card" ? "lazy" : "eager";
  const first = mediaOf(product)[0];
  if (first) return <ProductPicture key={first.id} media={first} sizes={SIZES[slot]} loading={loading} fallbackAlt={fallbackAlt} />;
  const image = product.images[0];
  if (image) {
    const [width, height] = LEGACY_BOX[slot];
    return <img src={image.url} alt={image.alt ?? fallbackAlt ?? ""} loading={slot === "card" ? "lazy" : undefined} width={width} height={height} />;
  }
  return <div className="placeholder-image" aria-hidden="true" />;
}
