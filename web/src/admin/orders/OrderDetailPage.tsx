// One order for admins: its summary and lines, its payment with refunds, and cancelling it
// while it is unpaid.
import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Money } from "../../ui/Money";
import { QueryView } from "../../ui/states";
import { DateTime } from "../ui/DateTime";
import { OrderStatusBadge } from "../ui/OrderStatus";
import { fetchOrder, orderKeys, type Order } from "./ordersApi";
import { PaymentPanel } from "./PaymentPanel";
import { CancelOrder } from "./CancelOrder";
import { TableScroll } from "../ui/TableScroll";

export function OrderDetailPage() {
  const { t } = useTranslation("admin");
  const { id = "" } = useParams();
  const order = useQuery({ queryKey: orderKeys.detail(id), queryFn: () => fetchOrder(id) });
  return (
    <>
      <p>
        <Link to=".." relative="path">{t("orders.back")}</Link>
      </p>
      <QueryView query={order}>{(data) => <OrderDetail order={data} />}</QueryView>
    </>
  );
}

function OrderDetail({ order }: { order: Order }) {
  const { t } = useTranslation("admin");
  return (
    <article aria-labelledby="admin-order-heading">
      <div className="page-header">
        <h2 id="admin-order-heading">{t("orders.detailHeading", { number: order.number })}</h2>
        <OrderStatusBadge status={order.status} />
      </div>
      <OrderSummary order={order} />
      <OrderLines order={order} />
      <PaymentPanel order={order} />
      <CancelOrder order={order} />
    </article>
  );
}

function OrderSummary({ order }: { order: Order }) {
  const { t } = useTranslation("admin");
  return (
    <section className="card" aria-labelledby="admin-order-summary">
      <h3 id="admin-order-summary">{t("orders.summary")}</h3>
      <dl className="admin-facts">
        <dt>{t("orders.placed")}</dt>
        <dd>
          <DateTime iso={order.created_at} />
        </dd>
        <dt>{t("orders.customer")}</dt>
        <dd>
          <code>{order.user_id}</code>
        </dd>
        <dt>{t("orders.subtotal")}</dt>
        <dd>
          <Money minor={order.subtotal_minor} currency={order.currency} />
        </dd>
        <dt>{t("orders.total")}</dt>
        <dd>
          <Money minor={order.total_minor} currency={order.currency} />
        </dd>
        {order.status === "pending_payment" && order.expires_at && (
          <>
            <dt>{t("orders.expires")}</dt>
            <dd>
              <DateTime iso={order.expires_at} />
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function OrderLines({ order }: { order: Order }) {
  const { t } = useTranslation("admin");
  return (
    <section aria-labelledby="admin-order-lines">
      <h3 id="admin-order-lines">{t("orders.lines")}</h3>
      <TableScroll label={t("orders.lines")}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col" className="num">
                {t("orders.line")}
              </th>
              <th scope="col">{t("orders.product")}</th>
              <th scope="col">{t("orders.sku")}</th>
              <th scope="col" className="num">
                {t("orders.quantity")}
              </th>
              <th scope="col" className="num">
                {t("orders.unitPrice")}
              </th>
              <th scope="col">{t("orders.fulfilment")}</th>
              <th scope="col">{t("orders.tracking")}</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr key={line.line_no}>
                <td className="num">{line.line_no}</td>
                <td>{line.title}</td>
                <td>
                  <code>{line.sku}</code>
                </td>
                <td className="num">{line.quantity}</td>
                <td className="num">
                  <Money minor={line.unit_price_minor} currency={order.currency} />
                </td>
                <td>{t(`fulfilment.${line.fulfilment_status}`)}</td>
                <td>{[line.carrier, line.tracking_number].filter(Boolean).join(" ") || t("common.never")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
