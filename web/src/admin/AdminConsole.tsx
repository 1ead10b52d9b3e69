// The admin console: tabs for users, orders and the event backbone, as routes under /admin.
import { NavLink, Navigate, Route, Routes } from "react-router";
import { useTranslation } from "react-i18next";
import "./messages";
import "./admin.css";
import { UsersPage } from "./users/UsersPage";
import { OrdersPage } from "./orders/OrdersPage";
import { OrderDetailPage } from "./orders/OrderDetailPage";
import { EventsPage } from "./events/EventsPage";

export function AdminConsole() {
  const { t } = useTranslation("admin");
  return (
    <div className="admin-console">
      <h1>{t("title")}</h1>
      <nav className="tabs" aria-label={t("tabs.label")}>
        <NavLink to="users">{t("tabs.users")}</NavLink>
        <NavLink to="orders">{t("tabs.orders")}</NavLink>
        <NavLink to="events">{t("tabs.events")}</NavLink>
      </nav>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="orders" element={<OrdersPage />} />
        <Route path="orders/:id" element={<OrderDetailPage />} />
        <Route path="events" element={<EventsPage />} />
        <Route path="*" element={<Navigate to="/admin/users" replace />} />
      </Routes>
    </div>
  );
}
