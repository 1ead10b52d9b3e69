// One order: its status timeline, lines with tracking, the price breakdown it was placed with
// (discounts, shipping, tax), the shipping address and method, payment while it is unpaid
// (including 3-D Secure) and cancellation before payment.
import { useCallback, useState } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { formatDate } from "../lib/money";
import { FormError } from "../ui/form";
import { Money, useLocale } from "../ui/Money";
import { PriceBreakdown } from "../ui/PriceBreakdown";
import { QueryView } from "../ui/states";
import { OrderStatusBadge } from "./OrderStatusBadge";
import { PaymentPanel } from "./PaymentPanel";

type Order = Schemas["Order"];

const PROGRESS: Order["status"][] = ["pending_payment", "paid", "fulfilling", "shipped", "delivered"];

export function OrderPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const order = useQuery({
    queryKey: ["order", id],
    queryFn: () => unwrap(api.GET("/api/v1/orders/{id}", { params: { path: { id } } })),
  });
  // Paid from this page: the confirmation stays in view after the order moves on.
  const [paidHere, setPaidHere] = useState(false);
  const markPaid = useCallback(() => setPaidHere(true), []);
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/orders/{id}/cancel", { params: { path: { id } } })),
    onSuccess: (updated) => {
      queryClient.setQueryData(["order", id], updated);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
    },
  });

  return (
    <QueryView query={order}>
      {(o) => (
        <section aria-labelledby="order-heading">
          <div className="page-header">
            <h1 id="order-heading">{t("orders.heading", { number: o.number })}</h1>
            <OrderStatusBadge status={o.status} />
          </div>
          <p className="muted">
            {t("orders.placed", { date: formatDate(o.created_at, locale) })}
            {o.status === "pending_payment" && o.expires_at && <> · {t("orders.payBefore", { date: formatDate(o.expires_at, locale) })}</>}
          </p>
          <Timeline status={o.status} />
          {paidHere && o.status !== "pending_payment" && <PaymentPanel order={o} onPaid={markPaid} />}
          {o.status === "pending_payment" && (
            <>
              <PaymentPanel order={o} onPaid={markPaid} />
              <FormError error={cancel.error} />
              <button type="button" className="button secondary" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
                {t("orders.cancel")}
              </button>
            </>
          )}
          <h2>{t("orders.lines")}</h2>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("cart.product")}</th>
                <th scope="col" className="num">{t("cart.quantity")}</th>
                <th scope="col" className="num">{t("cart.price")}</th>
                <th scope="col">{t("orders.delivery")}</th>
              </tr>
            </thead>
            <tbody>
              {o.lines.map((line) => (
                <tr key={line.line_no}>
                  <td>
                    {line.product_id ? <Link to={`/products/${line.product_id}`}>{line.title}</Link> : line.title}
                    <div className="muted">{line.sku}</div>
                  </td>
                  <td className="num">{line.quantity}</td>
                  <td className="num">
                    <Money minor={line.unit_price_minor} currency={o.currency} />
                  </td>
                  <td>
                    <OrderStatusBadge status={line.fulfilment_status} />
                    {line.tracking_number && (
                      <div className="tracking">
                        {t("orders.tracking", { carrier: line.carrier ?? "", number: line.tracking_number })}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {o.pricing ? (
            <>
              <h2>{t("orders.summary")}</h2>
              <PriceBreakdown breakdown={o.pricing} currency={o.currency} shippingName={o.shipping_method?.name} className="order-breakdown" />
            </>
          ) : (
            <p className="total">
              {t("orders.total")}: <Money minor={o.total_minor} currency={o.currency} />
            </p>
          )}
          <h2>{t("orders.shipTo")}</h2>
          <ShippingAddress address={o.shipping_address as Record<string, string | null>} />
          {o.shipping_method && (
            <p className="shipping-method">{t("orders.shippingMethod", { name: o.shipping_method.name, time: o.shipping_method.delivery_time })}</p>
          )}
        </section>
      )}
    </QueryView>
  );
}

function Timeline({ status }: { status: Order["status"] }) {
  const { t } = useTranslation();
  if (!PROGRESS.includes(status)) {
    return (
      <p className="timeline-end">
        <OrderStatusBadge status={status} />
      </p>
    );
  }
  const reached = PROGRESS.indexOf(status);
  return (
    <ol className="timeline" aria-label={t("orders.progress")}>
      {PROGRESS.map((step, index) => (
        <li key={step} className={index <= reached ? "done" : "todo"} aria-current={index === reached ? "step" : undefined}>
          {t(`status.${step}`)}
        </li>
      ))}
    </ol>
  );
}

function ShippingAddress({ address }: { address: Record<string, string | null> }) {
  return (
    <address className="card">
      {[address.full_name, address.line1, address.line2, [address.postal_code, address.city].filter(Boolean).join(" "), address.region, address.country]
        .filter(Boolean)
        .map((part, index) => (
          <div key={index}>{part}</div>
        ))}
    </address>
  );
}
