// Paying an order with a card of the simulated provider: confirm, the 3-D Secure step when
// the bank asks for it, waiting while the payment is processing, declines shown with the
// provider's reason. Each attempt carries an Idempotency-Key, reused if the same card is
// submitted again after a lost response.
import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, ApiError, type Schemas } from "../api/client";
import { useIdempotencyKey } from "../lib/idempotency";
import { Field, FormError, fieldErrorsOf } from "../ui/form";
import { Loading } from "../ui/states";

type Order = Schemas["Order"];
type Payment = Schemas["PaymentIntent"];

export function PaymentPanel({ order, onPaid }: { order: Order; onPaid?: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const idempotency = useIdempotencyKey();
  const [card, setCard] = useState({ number: "", exp: "", cvc: "" });
  const payment = useQuery({
    queryKey: ["payment", order.id],
    queryFn: async () => {
      try {
        return await unwrap(api.GET("/api/v1/orders/{id}/payment", { params: { path: { id: order.id } } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    // While the provider is still deciding, ask again until it has.
    refetchInterval: (query) => (query.state.data?.status === "processing" ? 1000 : false),
  });
  const settled = (p: Payment) => queryClient.setQueryData(["payment", order.id], p);
  // Once the provider settles, the order moves on: fetch it again.
  const status = payment.data?.status;
  useEffect(() => {
    if (status === "succeeded") {
      onPaid?.();
      void queryClient.invalidateQueries({ queryKey: ["order", order.id] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
    }
  }, [status, order.id, queryClient, onPaid]);
  const confirm = useMutation({
    mutationFn: (input: Schemas["CardInput"]) =>
      unwrap(
        api.POST("/api/v1/orders/{id}/payment/confirm", {
          params: { path: { id: order.id }, header: { "Idempotency-Key": idempotency.keyFor(input) } },
          body: { card: input },
        }),
      ),
    onSuccess: (p) => {
      idempotency.done();
      settled(p);
    },
  });
  const authenticate = useMutation({
    mutationFn: (approved: boolean) =>
      unwrap(api.POST("/api/v1/orders/{id}/payment/authenticate", { params: { path: { id: order.id } }, body: { approved } })),
    onSuccess: settled,
  });

  const current = payment.data;
  if (current?.status === "succeeded") {
    return <p className="form-success" role="status">{t("payment.succeeded")}</p>;
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const [month, year] = card.exp.split("/").map((part) => Number(part.trim()));
    confirm.mutate({
      number: card.number,
      exp_month: month ?? 0,
      exp_year: year !== undefined && year < 100 ? 2000 + year : (year ?? 0),
      cvc: card.cvc,
    });
  };
  const errors = fieldErrorsOf(confirm.error);

  return (
    <section className="card payment" aria-labelledby="payment-heading">
      <h2 id="payment-heading">{t("payment.title")}</h2>
      {payment.isPending && <Loading />}
      {current?.status === "processing" && <Loading label={t("payment.processing")} />}
      {current?.status === "requires_action" ? (
        <div className="three-ds" role="dialog" aria-labelledby="three-ds-heading">
          <h3 id="three-ds-heading">{t("payment.threeDs")}</h3>
          <p>{t("payment.threeDsText")}</p>
          <FormError error={authenticate.error} />
          <div className="actions">
            <button type="button" className="button" disabled={authenticate.isPending} onClick={() => authenticate.mutate(true)}>
              {t("payment.approve")}
            </button>
            <button type="button" className="button secondary" disabled={authenticate.isPending} onClick={() => authenticate.mutate(false)}>
              {t("payment.decline")}
            </button>
          </div>
        </div>
      ) : (
        current?.status !== "processing" && (
          <form className="form" onSubmit={submit}>
            {current?.status === "failed" && current.failure_message && (
              <div className="form-error" role="alert">
                {t("payment.failed", { reason: current.failure_message })}
              </div>
            )}
            <FormError error={Object.keys(errors).length === 0 ? confirm.error : null} />
            <Field
              label={t("payment.cardNumber")}
              autoComplete="cc-number"
              inputMode="numeric"
              required
              pattern="[0-9 ]{12,23}"
              value={card.number}
              onChange={(e) => setCard({ ...card, number: e.target.value })}
              error={errors["card.number"]}
              hint={t("payment.testCards")}
            />
            <div className="form-row">
              <Field
                label={t("payment.expiry")}
                autoComplete="cc-exp"
                placeholder="MM/YY"
                required
                pattern="\d{1,2}\s*/\s*\d{2,4}"
                value={card.exp}
                onChange={(e) => setCard({ ...card, exp: e.target.value })}
                error={errors["card.exp_month"] ?? errors["card.exp_year"]}
              />
              <Field
                label={t("payment.cvc")}
                autoComplete="cc-csc"
                inputMode="numeric"
                required
                pattern="\d{3,4}"
                maxLength={4}
                size={5}
                value={card.cvc}
                onChange={(e) => setCard({ ...card, cvc: e.target.value })}
                error={errors["card.cvc"]}
              />
            </div>
            <button type="submit" className="button" disabled={confirm.isPending}>
              {t("payment.pay")}
            </button>
          </form>
        )
      )}
    </section>
  );
}
