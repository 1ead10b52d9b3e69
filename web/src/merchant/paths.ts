// The console's URLs, absolute (it is mounted at /merchant), so links work the same from any page
// and inside the splat route that mounts the console.
const BASE = "/merchant";

export const paths = {
  products: `${BASE}/products`,
  newProduct: `${BASE}/products/new`,
  product: (id: string) => `${BASE}/products/${id}`,
  inventory: (product: string, variant: string) => `${BASE}/products/${product}/variants/${variant}`,
  lowStock: `${BASE}/low-stock`,
  orders: `${BASE}/orders`,
};
