// The merchant console (mounted at /merchant/* behind the merchant role guard): tabs for products,
// low stock and orders, and the routes of its pages.
import { Link, NavLink, Navigate, Route, Routes, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { Empty } from "../ui/states";
import "./messages";
import "./merchant.css";
import { ProductsPage } from "./ProductsPage";
import { NewProductPage } from "./NewProductPage";
import { ProductPage } from "./ProductPage";
import { InventoryPage } from "./InventoryPage";
import { LowStockPage } from "./LowStockPage";
import { OrdersPage } from "./OrdersPage";
import { paths } from "./paths";

export function MerchantConsole() {
  const { t } = useTranslation("merchant");
  return (
    <div className="merchant-console">
      <h1>{t("console.heading")}</h1>
      <nav className="tabs" aria-label={t("console.tabs")}>
        <NavLink to={paths.products}>{t("tabs.products")}</NavLink>
        <NavLink to={paths.lowStock}>{t("tabs.lowStock")}</NavLink>
        <NavLink to={paths.orders}>{t("tabs.orders")}</NavLink>
      </nav>
      <DeletedNotice />
      <Routes>
        <Route index element={<Navigate to={paths.products} replace />} />
        <Route path="products" element={<ProductsPage />} />
        <Route path="products/new" element={<NewProductPage />} />
        <Route path="products/:id" element={<ProductPage />} />
        <Route path="products/:id/variants/:variantId" element={<InventoryPage />} />
        <Route path="low-stock" element={<LowStockPage />} />
        <Route path="orders" element={<OrdersPage />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </div>
  );
}

/** Confirms a deletion after the product page has gone back to the list. */
function DeletedNotice() {
  const { t } = useTranslation("merchant");
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  if (notice !== "deleted") return null;
  return (
    <p className="form-success" role="status">
      {t("delete.deleted")}
    </p>
  );
}

function NotFound() {
  const { t } = useTranslation("merchant");
  return (
    <Empty>
      {t("console.notFound")} <Link to={paths.products}>{t("tabs.products")}</Link>
    </Empty>
  );
}
