// The shopper's orders, newest first.
import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { formatDate } from "../lib/money";
import { Money, useLocale } from "../ui/Money";
import { Empty, QueryView } from "../ui/states";
import { OrderStatusBadge } from "./OrderStatusBadge";

export function OrdersPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const orders = useQuery({ queryKey: ["orders"], queryFn: () => unwrap(api.GET("/api/v1/orders")) });
  return (
    <section aria-labelledby="orders-heading">
      <h1 id="orders-heading">{t("orders.title")}</h1>
      <QueryView query={orders}>
        {(list) =>
          list.length === 0 ? (
            <Empty>
              {t("orders.none")} <Link to="/products">{t("cart.browse")}</Link>
            </Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t("orders.number")}</th>
                  <th scope="col">{t("orders.date")}</th>
                  <th scope="col">{t("orders.status")}</th>
                  <th scope="col" className="num">{t("orders.total")}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((order) => (
                  <tr key={order.id}>
                    <td>
                      <Link to={`/orders/${order.id}`}>#{order.number}</Link>
                    </td>
                    <td>{formatDate(order.created_at, locale)}</td>
                    <td>
                      <OrderStatusBadge status={order.status} />
                    </td>
                    <td className="num">
                      <Money minor={order.total_minor} currency={order.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}
