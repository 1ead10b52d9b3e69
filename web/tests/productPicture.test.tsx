// Storefront product images: the <picture> built from an uploaded image's renditions (WebP and JPEG srcsets, size, alt, lazy or eager, blurred placeholder until loaded), the fallbacks to the older image URL and the empty box, and the product page's gallery.
import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import type { Schemas } from "../src/api/client";
import { ProductCard } from "../src/storefront/ProductCard";
import { ProductPage } from "../src/storefront/ProductPage";
import { mediaOf, smallestOf, srcsetOf, type Media } from "../src/ui/ProductPicture";
import { renderAt, stubApi } from "./render";

const PLACEHOLDER = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD";

function media(id: string, alt: string, widths = [160, 480, 1200]): Media {
  const url = (w: number, ext: string) => `/api/v1/media/renditions/${id}hash/${w}.${ext}`;
  return {
    id,
    alt,
    position: 0,
    width: 2400,
    height: 1800,
    placeholder: PLACEHOLDER,
    // Out of order on purpose: srcsets list the narrowest first whatever the API's order.
    renditions: [...widths].reverse().flatMap((w) => [
      { width: w, height: (w * 3) / 4, format: "webp", url: url(w, "webp") },
      { width: w, height: (w * 3) / 4, format: "jpeg", url: url(w, "jpg") },
    ]),
  };
}

function product(overrides: Partial<Record<keyof Schemas["Product"], unknown>> = {}): Schemas["Product"] {
  return {
    id: "p1",
    merchant_id: "m1",
    slug: "teapot",
    title: "Teapot",
    description: "A teapot.",
    status: "published",
    attributes: {},
    images: [],
    media: [],
    min_price_minor: 1250,
    currency: "EUR",
    in_stock: true,
    variant_count: 1,
    variants: [],
    created_at: "2025-05-01T10:00:00Z",
    updated_at: "2025-05-01T10:00:00Z",
    ...overrides,
  } as Schemas["Product"];
}

function renderCard(p: Schemas["Product"]) {
  return render(
    <MemoryRouter>
      <ProductCard product={p} />
    </MemoryRouter>,
  );
}

describe("srcsets from renditions", () => {
  it("lists one format's renditions narrowest first with their widths", () => {
    const image = media("a", "");
    expect(srcsetOf(image.renditions, "webp")).toBe(
      "/api/v1/media/renditions/ahash/160.webp 160w, /api/v1/media/renditions/ahash/480.webp 480w, /api/v1/media/renditions/ahash/1200.webp 1200w",
    );
    expect(srcsetOf(image.renditions, "jpeg")).toBe(
      "/api/v1/media/renditions/ahash/160.jpg 160w, /api/v1/media/renditions/ahash/480.jpg 480w, /api/v1/media/renditions/ahash/1200.jpg 1200w",
    );
    expect(smallestOf(image.renditions)?.url).toBe("/api/v1/media/renditions/ahash/160.jpg");
  });

  it("reads `media` defensively: absent, or images without renditions, mean none", () => {
    expect(mediaOf({})).toEqual([]);
    expect(mediaOf({ media: [{ id: "x", renditions: [] }] })).toEqual([]);
    expect(mediaOf({ media: [media("a", "A")] })).toHaveLength(1);
  });
});

describe("a product card", () => {
  it("shows the first uploaded image as a lazy <picture> with WebP and JPEG srcsets and the placeholder until it loads", () => {
    const { container } = renderCard(product({ media: [media("a", "A red teapot"), media("b", "Its lid")] }));
    const picture = container.querySelector("picture");
    expect(picture).not.toBeNull();
    const source = picture!.querySelector("source")!;
    expect(source).toHaveAttribute("type", "image/webp");
    expect(source.getAttribute("srcset")).toBe(srcsetOf(media("a", "").renditions, "webp"));
    expect(source.getAttribute("sizes")).toBeTruthy();

    const img = screen.getByRole("img", { name: "A red teapot" });
    expect(picture).toContainElement(img);
    expect(img.getAttribute("srcset")).toBe(srcsetOf(media("a", "").renditions, "jpeg"));
    expect(img).toHaveAttribute("src", "/api/v1/media/renditions/ahash/1200.jpg");
    expect(img).toHaveAttribute("sizes", source.getAttribute("sizes"));
    expect(img).toHaveAttribute("width", "2400");
    expect(img).toHaveAttribute("height", "1800");
    expect(img).toHaveAttribute("loading", "lazy");
    // The placeholder is a custom property set through the CSSOM, shown by a class until load.
    expect(img.style.getPropertyValue("--placeholder")).toBe(`url("${PLACEHOLDER}")`);
    expect(img).toHaveClass("has-placeholder");
    fireEvent.load(img);
    expect(img).not.toHaveClass("has-placeholder");
    expect(screen.queryByRole("img", { name: "Its lid" })).not.toBeInTheDocument();
  });

  it("uses the renditions a small original has (one width)", () => {
    const { container } = renderCard(product({ media: [{ ...media("s", "Small", [40]), width: 40, height: 30 }] }));
    const img = screen.getByRole("img", { name: "Small" });
    expect(img.getAttribute("srcset")).toBe("/api/v1/media/renditions/shash/40.jpg 40w");
    expect(container.querySelector("source")?.getAttribute("srcset")).toBe("/api/v1/media/renditions/shash/40.webp 40w");
    expect(img).toHaveAttribute("width", "40");
  });

  it("falls back to the older image URL, then to the placeholder box", () => {
    const { container, unmount } = renderCard(product({ images: [{ url: "https://img.example/teapot.jpg", alt: "Old teapot" }] }));
    expect(container.querySelector("picture")).toBeNull();
    const img = screen.getByRole("img", { name: "Old teapot" });
    expect(img).toHaveAttribute("src", "https://img.example/teapot.jpg");
    expect(img).toHaveAttribute("loading", "lazy");
    unmount();

    const bare = renderCard(product({ media: undefined }));
    expect(bare.container.querySelector("img")).toBeNull();
    expect(bare.container.querySelector(".placeholder-image")).toHaveAttribute("aria-hidden", "true");
  });
});

describe("the product page", () => {
  it("shows the first image eagerly and switches it with keyboard-accessible thumbnails", async () => {
    stubApi({
      "GET /api/v1/products/p1": { status: 200, body: product({ media: [media("a", "A red teapot"), media("b", "")] }) },
    });
    const { container } = renderAt("/products/p1", [{ path: "/products/:id", element: <ProductPage /> }]);
    const main = await screen.findByRole("img", { name: "A red teapot" });
    expect(main).toHaveAttribute("loading", "eager");
    expect(main.closest("picture")).not.toBeNull();

    const gallery = screen.getByRole("list", { name: "Product images" });
    const thumbs = within(gallery).getAllByRole("button");
    expect(thumbs).toHaveLength(2);
    expect(thumbs[0]).toHaveAttribute("aria-pressed", "true");
    expect(thumbs[0]!.querySelector("img")).toHaveAttribute("src", "/api/v1/media/renditions/ahash/160.jpg");

    const user = userEvent.setup();
    thumbs[1]!.focus();
    await user.keyboard("{Enter}");
    expect(thumbs[1]).toHaveAttribute("aria-pressed", "true");
    expect(thumbs[0]).toHaveAttribute("aria-pressed", "false");
    // The second image has no alt text of its own: the product's title stands in on its page.
    const second = container.querySelector(".product-hero picture img")!;
    expect(second).toHaveAttribute("alt", "Teapot");
    expect(second.getAttribute("srcset")).toContain("/api/v1/media/renditions/bhash/480.jpg 480w");
  });

  it("shows no gallery for a single image and the older image URL without media", async () => {
    stubApi({
      "GET /api/v1/products/p1": { status: 200, body: product({ images: [{ url: "https://img.example/teapot.jpg" }] }) },
    });
    renderAt("/products/p1", [{ path: "/products/:id", element: <ProductPage /> }]);
    const img = await screen.findByRole("img", { name: "Teapot" });
    expect(img).toHaveAttribute("src", "https://img.example/teapot.jpg");
    expect(screen.queryByRole("list", { name: "Product images" })).not.toBeInTheDocument();
  });
});
