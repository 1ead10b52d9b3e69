// An order's payment for admins: captured, refunded and still refundable, and the refund form
// while anything remains to refund.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Money } from "../../ui/Money";
import { Empty, QueryView } from "../../ui/states";
import { fetchPayment, orderKeys, refundableOf, type Order, type Payment, type Refund } from "./ordersApi";
import { RefundForm, RefundOutcome } from "./RefundForm";

export function PaymentPanel({ order }: { order: Order }) {
  const { t } = useTranslation("admin");
  const payment = useQuery({ queryKey: orderKeys.payment(order.id), queryFn: () => fetchPayment(order.id) });
  return (
    <section className="card admin-section" aria-labelledby="admin-payment-heading">
      <h3 id="admin-payment-heading">{t("payment.heading")}</h3>
      <QueryView query={payment}>
        {(data) =>
          data ? (
            <>
              <PaymentFacts payment={data} />
              <RefundSection order={order} payment={data} />
            </>
          ) : (
            <Empty>{t("payment.none")}</Empty>
          )
        }
      </QueryView>
    </section>
  );
}

function PaymentFacts({ payment }: { payment: Payment }) {
  const { t } = useTranslation("admin");
  const money = (minor: number) => <Money minor={minor} currency={payment.currency} />;
  return (
    <dl className="admin-facts">
      <dt>{t("payment.status")}</dt>
      <dd>{t(`payment.paymentStatus.${payment.status}`)}</dd>
      <dt>{t("payment.amount")}</dt>
      <dd>{money(payment.amount_minor)}</dd>
      <dt>{t("payment.captured")}</dt>
      <dd>{money(payment.captured_minor)}</dd>
      <dt>{t("payment.refunded")}</dt>
      <dd>{money(payment.refunded_minor)}</dd>
      <dt>{t("payment.remaining")}</dt>
      <dd>{money(refundableOf(payment))}</dd>
      {payment.card_last4 && (
        <>
          <dt>{t("payment.card")}</dt>
          <dd>
            {payment.card_brand} •••• {payment.card_last4}
          </dd>
        </>
      )}
      {payment.failure_message && (
        <>
          <dt>{t("payment.failure")}</dt>
          <dd>{payment.failure_message}</dd>
        </>
      )}
    </dl>
  );
}

function RefundSection({ order, payment }: { order: Order; payment: Payment }) {
  const { t } = useTranslation("admin");
  const [lastRefund, setLastRefund] = useState<Refund | null>(null);
  if (payment.captured_minor === 0) return null;
  const remaining = refundableOf(payment);
  return (
    <>
      <h4>{t("refund.heading")}</h4>
      {lastRefund && <RefundOutcome refund={lastRefund} currency={payment.currency} />}
      {remaining > 0 ? (
        <RefundForm orderId={order.id} currency={payment.currency} remaining={remaining} onRefunded={setLastRefund} />
      ) : (
        <p className="muted">{t("refund.nothingLeft")}</p>
      )}
    </>
  );
}
