// The merchant console's server data: query keys, fetchers and hooks over the typed API client.
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { useMe } from "../auth/useAuth";
import { forgetUnlisted, rememberedUnlisted } from "./unlisted";

export type Product = Schemas["Product"];
export type Variant = Schemas["Variant"];
export type Order = Schemas["Order"];
export type OrderLine = Schemas["OrderLine"];
export type Adjustment = Schemas["Adjustment"];

const PAGE_SIZE = 24;

export const keys = {
  all: ["merchant"] as const,
  products: (merchant: string) => ["merchant", "products", merchant] as const,
  unlisted: (merchant: string) => ["merchant", "unlisted", merchant] as const,
  product: (id: string) => ["merchant", "product", id] as const,
  variants: (product: string) => ["merchant", "variants", product] as const,
  history: (variant: string) => ["merchant", "stock-history", variant] as const,
  lowStock: (merchant: string) => ["merchant", "low-stock", merchant] as const,
  categories: ["merchant", "categories"] as const,
  orders: ["merchant", "orders"] as const,
};

/** The signed-in merchant's id (the console is only mounted for a signed-in merchant). */
export function useMerchantId(): string | undefined {
  return useMe().data?.id;
}

function productPage(merchant: string, cursor: string | undefined, limit = PAGE_SIZE) {
  return unwrap(api.GET("/api/v1/products", { params: { query: { merchant, cursor, limit } } }));
}

/** The merchant's published products, page by page (the listing shows published products only). */
export function useListedProducts(merchant: string) {
  return useInfiniteQuery({
    queryKey: keys.products(merchant),
    queryFn: ({ pageParam }) => productPage(merchant, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function fetchProduct(id: string): Promise<Product> {
  return unwrap(api.GET("/api/v1/products/{id}", { params: { path: { id } } }));
}

/** Drafts and archived products this browser remembers (the listing leaves them out), fetched one by one. */
async function fetchUnlisted(merchant: string): Promise<Product[]> {
  const products = await Promise.all(
    rememberedUnlisted(merchant).map((id) =>
      fetchProduct(id).catch((error: unknown) => {
        if ((error as { status?: number }).status === 404) forgetUnlisted(merchant, id);
        return null;
      }),
    ),
  );
  return products.filter((p): p is Product => p !== null && p.merchant_id === merchant && p.status !== "published");
}

export function useUnlistedProducts(merchant: string) {
  return useQuery({ queryKey: keys.unlisted(merchant), queryFn: () => fetchUnlisted(merchant) });
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

/** All of the merchant's products: every listing page plus the remembered unlisted ones. */
export async function fetchAllProducts(merchant: string): Promise<Product[]> {
  const products: Product[] = [];
  let cursor: string | undefined;
  do {
    const page = await productPage(merchant, cursor, 100);
    products.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  const listed = new Set(products.map((p) => p.id));
  return [...products, ...(await fetchUnlisted(merchant)).filter((p) => !listed.has(p.id))];
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
      client.invalidateQueries({ queryKey: ["merchant", "unlisted"] }),
      client.invalidateQueries({ queryKey: ["merchant", "low-stock"] }),
      productId && client.invalidateQueries({ queryKey: keys.product(productId) }),
      productId && client.invalidateQueries({ queryKey: keys.variants(productId) }),
    ]);
}
