// Orders holding the merchant's products (`GET /api/v1/merchant/orders`), each with only the
// merchant's lines, where to ship them, and the fulfilment actions their states allow.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Money, useLocale } from "../ui/Money";
import { Empty, QueryView } from "../ui/states";
import { formatDate } from "../lib/money";
import { StatusBadge } from "./StatusBadge";
import { FulfilmentActions } from "./FulfilmentActions";
import { acceptsFulfilment } from "./fulfilment";
import { useMerchantOrders, type Order, type OrderLine } from "./queries";

export function OrdersPage() {
  const { t } = useTranslation("merchant");
  const orders = useMerchantOrders();
  return (
    <section aria-labelledby="orders-heading">
      <h2 id="orders-heading">{t("orders.heading")}</h2>
      <p className="muted">{t("orders.explain")}</p>
      <QueryView query={orders}>
        {(items) =>
          items.length === 0 ? (
            <Empty>{t("orders.empty")}</Empty>
          ) : (
            <ul className="order-list">
              {items.map((order) => (
                <li key={order.id}>
                  <OrderCard order={order} />
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </section>
  );
}

function OrderCard({ order }: { order: Order }) {
  const { t } = useTranslation("merchant");
  const locale = useLocale();
  const headingId = `order-${order.id}`;
  const actionable = acceptsFulfilment(order.status);
  // Which lines an action applies to; all of them unless the merchant narrows it down.
  const [selected, setSelected] = useState<ReadonlySet<number>>(() => new Set(order.lines.map((l) => l.line_no)));
  const selectable = actionable && order.lines.length > 1;
  const toggle = (lineNo: number, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(lineNo);
      else next.delete(lineNo);
      return next;
    });
  return (
    <section className="card order-card" aria-labelledby={headingId}>
      <div className="page-header">
        <h3 id={headingId}>{t("orders.order", { number: order.number })}</h3>
        <StatusBadge status={order.status} />
      </div>
      <p className="muted">{t("orders.placed", { date: formatDate(order.created_at, locale) })}</p>
      <ShipTo address={order.shipping_address as Record<string, unknown>} />
      <LinesTable
        order={order}
        selectable={selectable}
        selected={selected}
        onToggle={toggle}
      />
      {actionable ? (
        <FulfilmentActions order={order} selected={selectable ? selected : undefined} />
      ) : (
        order.status === "pending_payment" && <p className="muted">{t("orders.awaitingPayment")}</p>
      )}
    </section>
  );
}

function LinesTable({
  order,
  selectable,
  selected,
  onToggle,
}: {
  order: Order;
  selectable: boolean;
  selected: ReadonlySet<number>;
  onToggle: (lineNo: number, on: boolean) => void;
}) {
  const { t } = useTranslation("merchant");
  return (
    <div className="table-scroll">
      <table className="table">
        <caption className="visually-hidden">{t("orders.linesCaption", { number: order.number })}</caption>
        <thead>
          <tr>
            {selectable && <th scope="col">{t("orders.include")}</th>}
            <th scope="col">{t("orders.product")}</th>
            <th scope="col">{t("variant.sku")}</th>
            <th scope="col" className="num">
              {t("orders.quantity")}
            </th>
            <th scope="col" className="num">
              {t("orders.unitPrice")}
            </th>
            <th scope="col">{t("orders.fulfilment")}</th>
            <th scope="col">{t("orders.carrier")}</th>
            <th scope="col">{t("orders.tracking")}</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line: OrderLine) => (
            <tr key={line.line_no}>
              {selectable && (
                <td>
                  <input
                    type="checkbox"
                    checked={selected.has(line.line_no)}
                    onChange={(e) => onToggle(line.line_no, e.target.checked)}
                    aria-label={t("orders.includeLine", { line: line.line_no, sku: line.sku })}
                  />
                </td>
              )}
              <td>{line.title}</td>
              <td>{line.sku}</td>
              <td className="num">{line.quantity}</td>
              <td className="num">
                <Money minor={line.unit_price_minor} currency={order.currency} />
              </td>
              <td>
                <StatusBadge status={line.fulfilment_status} />
              </td>
              <td>{line.carrier ?? "—"}</td>
              <td>{line.tracking_number ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The shipping address the order keeps (the shopper's address at checkout). */
function ShipTo({ address }: { address: Record<string, unknown> }) {
  const { t } = useTranslation("merchant");
  const text = (key: string) => (typeof address[key] === "string" && address[key] ? (address[key] as string) : null);
  const cityLine = [text("postal_code"), text("city"), text("region")].filter(Boolean).join(" ");
  const lines = [text("full_name"), text("line1"), text("line2"), cityLine, text("country"), text("phone")].filter(
    (line): line is string => Boolean(line),
  );
  if (lines.length === 0) return null;
  return (
    <div className="ship-to">
      <strong>{t("orders.shipTo")}</strong>
      <address>
        {lines.map((line, i) => (
          <span key={i} className="address-line">
            {line}
          </span>
        ))}
      </address>
    </div>
  );
}
