// The merchant console's server data: query keys, fetchers and hooks over the typed API client.
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { useMe } from "../auth/useAuth";

export type Product = Schemas["Product"];
export type Variant = Schemas["Variant"];
export type Order = Schemas["Order"];
export type OrderLine = Schemas["OrderLine"];
export type Adjustment = Schemas["Adjustment"];
export type ProductStatus = Schemas["ProductStatus"];
export type ProductSort = Schemas["Sort"];
export type ProductImage = Schemas["ProductImage"];

/** What the product list shows: one status (every status when undefined), in one order. */
export interface ProductFilters {
  status: ProductStatus | undefined;
  sort: ProductSort;
}

const PAGE_SIZE = 24;

export const keys = {
  all: ["merchant"] as const,
  products: (merchant: string, filters: ProductFilters) => ["merchant", "products", merchant, filters] as const,
  product: (id: string) => ["merchant", "product", id] as const,
  variants: (product: string) => ["merchant", "variants", product] as const,
  images: (product: string) => ["merchant", "images", product] as const,
  history: (variant: string) => ["merchant", "stock-history", variant] as const,
  lowStock: (merchant: string) => ["merchant", "low-stock", merchant] as const,
  categories: ["merchant", "categories"] as const,
  orders: ["merchant", "orders"] as const,
};

/** The signed-in merchant's id (the console is only mounted for a signed-in merchant). */
export function useMerchantId(): string | undefined {
  return useMe().data?.id;
}

/** One page of the caller's own products in every status (`GET /api/v1/merchant/products`). */
function ownProductPage(filters: Partial<ProductFilters>, cursor: string | undefined, limit = PAGE_SIZE) {
  return unwrap(
    api.GET("/api/v1/merchant/products", {
      params: { query: { status: filters.status, sort: filters.sort, cursor, limit } },
    }),
  );
}

/** The merchant's own products (drafts and archived ones included), filtered and sorted, page by page. */
export function useOwnProducts(merchant: string, filters: ProductFilters) {
  return useInfiniteQuery({
    queryKey: keys.products(merchant, filters),
    queryFn: ({ pageParam }) => ownProductPage(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function fetchProduct(id: string): Promise<Product> {
  return unwrap(api.GET("/api/v1/products/{id}", { params: { path: { id } } }));
}

export function useProduct(id: string) {
  return useQuery({ queryKey: keys.product(id), queryFn: () => fetchProduct(id) });
}

/** Every variant of a product, following `next_cursor`. */
export async function fetchAllVariants(product: string): Promise<Variant[]> {
  const variants: Variant[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api.GET("/api/v1/products/{id}/variants", { params: { path: { id: product }, query: { cursor, limit: 200 } } }),
    );
    variants.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return variants;
}

export function useVariants(product: string) {
  return useQuery({ queryKey: keys.variants(product), queryFn: () => fetchAllVariants(product) });
}

/** How often the image list is fetched again while an image is still being rendered. */
export const IMAGE_POLL_MS = 2000;

/** A product's uploaded images (all but removed, in order), polled while any is `processing`. */
export function useProductImages(product: string) {
  return useQuery({
    queryKey: keys.images(product),
    queryFn: () => unwrap(api.GET("/api/v1/products/{id}/images", { params: { path: { id: product } } })),
    refetchInterval: (query) => (query.state.data?.some((image) => image.status === "processing") ? IMAGE_POLL_MS : false),
  });
}

/** All of the caller's own products in every status, following `next_cursor`. */
export async function fetchAllProducts(): Promise<Product[]> {
  const products: Product[] = [];
  let cursor: string | undefined;
  do {
    const page = await ownProductPage({}, cursor, 100);
    products.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return products;
}

export function useStockHistory(variant: string) {
  return useQuery({
    queryKey: keys.history(variant),
    queryFn: () => unwrap(api.GET("/api/v1/variants/{id}/inventory-adjustments", { params: { path: { id: variant } } })),
  });
}

export function useCategories() {
  return useQuery({
    queryKey: keys.categories,
    queryFn: () => unwrap(api.GET("/api/v1/categories")),
    staleTime: 5 * 60_000,
  });
}

export function useMerchantOrders() {
  return useQuery({ queryKey: keys.orders, queryFn: () => unwrap(api.GET("/api/v1/merchant/orders")) });
}

/** Refetches everything that shows a product or its stock after a change. */
export function useInvalidateCatalog() {
  const client = useQueryClient();
  return (productId?: string) =>
    Promise.all([
      client.invalidateQueries({ queryKey: ["merchant", "products"] }),
      client.invalidateQueries({ queryKey: ["merchant", "low-stock"] }),
      productId && client.invalidateQueries({ queryKey: keys.product(productId) }),
      productId && client.invalidateQueries({ queryKey: keys.variants(productId) }),
    ]);
}
