// The route table. Storefront pages load with the app; the merchant and admin consoles are
// separate chunks fetched when first opened.
import { createBrowserRouter, type RouteObject } from "react-router";
import { Layout } from "./ui/Layout";
import { RequireRole } from "./auth/RequireRole";
import { HomePage } from "./storefront/HomePage";
import { ProductListPage } from "./storefront/ProductListPage";
import { ProductPage } from "./storefront/ProductPage";
import { SearchPage } from "./storefront/SearchPage";
import { AssistantPage } from "./storefront/AssistantPage";
import { CartPage } from "./storefront/CartPage";
import { CheckoutPage } from "./storefront/CheckoutPage";
import { OrdersPage } from "./storefront/OrdersPage";
import { OrderPage } from "./storefront/OrderPage";
import { SignInPage } from "./storefront/SignInPage";
import { RegisterPage } from "./storefront/RegisterPage";
import { AccountPage } from "./storefront/AccountPage";
import { NotFoundPage } from "./storefront/NotFoundPage";

const signedIn = (element: React.ReactNode) => <RequireRole>{element}</RequireRole>;

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    children: [
      { index: true, element: <HomePage /> },
      { path: "products", element: <ProductListPage /> },
      { path: "products/:id", element: <ProductPage /> },
      { path: "search", element: <SearchPage /> },
      { path: "assistant", element: <AssistantPage /> },
      { path: "signin", element: <SignInPage /> },
      { path: "register", element: <RegisterPage /> },
      { path: "cart", element: signedIn(<CartPage />) },
      { path: "checkout", element: signedIn(<CheckoutPage />) },
      { path: "orders", element: signedIn(<OrdersPage />) },
      { path: "orders/:id", element: signedIn(<OrderPage />) },
      { path: "account", element: signedIn(<AccountPage />) },
      {
        path: "merchant/*",
        lazy: async () => {
          const { MerchantConsole } = await import("./merchant/MerchantConsole");
          return { element: <RequireRole roles={["merchant"]}><MerchantConsole /></RequireRole> };
        },
      },
      {
        path: "admin/*",
        lazy: async () => {
          const { AdminConsole } = await import("./admin/AdminConsole");
          return { element: <RequireRole roles={["admin"]}><AdminConsole /></RequireRole> };
        },
      },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];

export const createRouter = () => createBrowserRouter(routes);
