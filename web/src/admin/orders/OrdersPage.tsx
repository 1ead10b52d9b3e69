// The Orders tab: every order, newest first, filtered by status, paged with "Load more".
import { useState } from "react";
import { Link } from "react-router";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { SelectField } from "../../ui/form";
import { Money } from "../../ui/Money";
import { PagedList } from "../ui/PagedList";
import { DateTime } from "../ui/DateTime";
import { ORDER_STATUSES, OrderStatusBadge, type OrderStatus } from "../ui/OrderStatus";
import { fetchOrders, nextBefore, orderKeys, type Order } from "./ordersApi";
import { TableScroll } from "../ui/TableScroll";

export function OrdersPage() {
  const { t } = useTranslation("admin");
  const [status, setStatus] = useState<OrderStatus | "">("");
  const orders = useInfiniteQuery({
    queryKey: orderKeys.list(status),
    queryFn: ({ pageParam }) => fetchOrders(status, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextBefore,
  });

  return (
    <section aria-labelledby="admin-orders-heading">
      <h2 id="admin-orders-heading">{t("orders.heading")}</h2>
      <div className="form-row admin-filters">
        <SelectField label={t("orders.statusFilter")} value={status} onChange={(e) => setStatus(e.target.value as OrderStatus | "")}>
          <option value="">{t("orders.anyStatus")}</option>
          {ORDER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </SelectField>
      </div>
      <PagedList query={orders} rowsOf={(page) => page} empty={t("orders.empty")}>
        {(rows) => <OrdersTable orders={rows} />}
      </PagedList>
    </section>
  );
}

function OrdersTable({ orders }: { orders: Order[] }) {
  const { t } = useTranslation("admin");
  return (
    <TableScroll label={t("orders.heading")}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("orders.order")}</th>
            <th scope="col">{t("orders.placed")}</th>
            <th scope="col">{t("orders.status")}</th>
            <th scope="col" className="num">
              {t("orders.total")}
            </th>
            <th scope="col">{t("orders.customer")}</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id}>
              <td>
                <Link to={order.id}>{t("orders.numberLink", { number: order.number })}</Link>
              </td>
              <td>
                <DateTime iso={order.created_at} />
              </td>
              <td>
                <OrderStatusBadge status={order.status} />
              </td>
              <td className="num">
                <Money minor={order.total_minor} currency={order.currency} />
              </td>
              <td>
                <code>{order.user_id}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
