// The refund form: an amount (empty = everything still refundable) and a reason, sent with an
// Idempotency-Key that is kept for retries of the same refund until it succeeds.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Field, FormError, fieldErrorsOf } from "../../ui/form";
import { useLocale } from "../../ui/Money";
import { formatMoney, parseMoney } from "../../lib/money";
import { orderKeys, refundOrder, type Refund, type RefundRequest } from "./ordersApi";
import { useIdempotencyKey } from "../../lib/idempotency";

interface RefundFormProps {
  orderId: string;
  currency: string;
  /** Minor units still refundable. */
  remaining: number;
  onRefunded: (refund: Refund) => void;
}

export function RefundForm({ orderId, currency, remaining, onRefunded }: RefundFormProps) {
  const { t } = useTranslation("admin");
  const locale = useLocale();
  const queryClient = useQueryClient();
  const keys = useIdempotencyKey();
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [amountError, setAmountError] = useState<string | undefined>();
  const refund = useMutation({
    mutationFn: ({ body, key }: { body: RefundRequest; key: string }) => refundOrder(orderId, body, key),
    onSuccess: (result) => {
      keys.done();
      setAmount("");
      setReason("");
      onRefunded(result);
      return queryClient.invalidateQueries({ queryKey: orderKeys.all });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: RefundRequest = {};
    if (amount.trim()) {
      const minor = parseMoney(amount, currency);
      if (minor === null || minor <= 0) {
        setAmountError(t(minor === null ? "refund.amountInvalid" : "refund.amountZero"));
        return;
      }
      body.amount_minor = minor;
    }
    if (reason.trim()) body.reason = reason.trim();
    setAmountError(undefined);
    refund.mutate({ body, key: keys.keyFor(body) });
  };

  const apiErrors = fieldErrorsOf(refund.error);
  return (
    <form className="form" onSubmit={submit} noValidate>
      <FormError error={refund.error} />
      <Field
        label={t("refund.amount")}
        name="amount"
        inputMode="decimal"
        autoComplete="off"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        hint={t("refund.amountHint", { remaining: formatMoney(remaining, currency, locale) })}
        error={amountError ?? apiErrors["amount_minor"]}
      />
      <Field
        label={t("refund.reason")}
        name="reason"
        maxLength={200}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        hint={t("refund.reasonHint")}
        error={apiErrors["reason"]}
      />
      <div className="actions">
        <button type="submit" className="button danger" disabled={refund.isPending} aria-busy={refund.isPending}>
          {t("refund.submit")}
        </button>
      </div>
    </form>
  );
}

/** What became of a refund just made, as a success or failure banner. */
export function RefundOutcome({ refund, currency }: { refund: Refund; currency: string }) {
  const { t } = useTranslation("admin");
  const locale = useLocale();
  const amount = formatMoney(refund.amount_minor, currency, locale);
  if (refund.status === "failed") {
    return (
      <p className="form-error" role="alert">
        {t("refund.failed", { amount, message: refund.failure_message ?? "" })}
      </p>
    );
  }
  return (
    <p className="form-success" role="status">
      {t(refund.status === "succeeded" ? "refund.succeeded" : "refund.pending", { amount })}
    </p>
  );
}
