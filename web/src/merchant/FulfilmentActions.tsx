// The fulfilment actions of one order (`POST /api/v1/orders/{id}/fulfilment`): "Start fulfilment",
// a ship form (Carrier, Tracking number, Ship) and "Mark delivered", each shown only while one of
// the merchant's lines can take that step, and applied to the selected lines that can.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { Field, FormError, fieldErrorsOf } from "../ui/form";
import { linesFor, type FulfilmentAction } from "./fulfilment";
import { keys, type Order } from "./queries";

interface Props {
  order: Order;
  /** The lines chosen by the merchant; every line when undefined. */
  selected: ReadonlySet<number> | undefined;
}

export function FulfilmentActions({ order, selected }: Props) {
  const { t } = useTranslation("merchant");
  const client = useQueryClient();
  const [carrier, setCarrier] = useState("");
  const [tracking, setTracking] = useState("");
  const fulfil = useMutation({
    mutationFn: (body: Schemas["FulfilmentRequest"]) =>
      unwrap(api.POST("/api/v1/orders/{id}/fulfilment", { params: { path: { id: order.id } }, body })),
    onSuccess: async (saved, body) => {
      if (body.action === "ship") {
        setCarrier("");
        setTracking("");
      }
      // The answer holds only this merchant's lines, as the list does: show it before the refetch.
      client.setQueryData<Order[]>(keys.orders, (orders) => orders?.map((o) => (o.id === saved.id ? saved : o)));
      await client.invalidateQueries({ queryKey: keys.orders });
    },
  });
  const errors = fieldErrorsOf(fulfil.error);
  const available = (action: FulfilmentAction) => linesFor(action, order.lines).length > 0;
  const target = (action: FulfilmentAction) => linesFor(action, order.lines, selected);
  const run = (action: FulfilmentAction, extra: Partial<Schemas["FulfilmentRequest"]> = {}) =>
    fulfil.mutate({ action, line_nos: target(action), ...extra });
  const ship = (event: FormEvent) => {
    event.preventDefault();
    run("ship", { carrier: carrier.trim(), tracking_number: tracking.trim() });
  };
  const done = fulfil.isSuccess ? fulfil.variables : undefined;
  const notice = done && <Done action={done.action} lines={done.line_nos ?? []} />;

  if (!available("start") && !available("ship") && !available("deliver")) {
    return notice ?? null;
  }
  return (
    <div className="fulfilment">
      <FormError error={fulfil.error} />
      {notice}
      <div className="actions">
        {available("start") && (
          <button
            type="button"
            className="button secondary"
            disabled={fulfil.isPending || target("start").length === 0}
            onClick={() => run("start")}
          >
            {t("fulfil.start")}
          </button>
        )}
        {available("deliver") && (
          <button
            type="button"
            className="button secondary"
            disabled={fulfil.isPending || target("deliver").length === 0}
            onClick={() => run("deliver")}
          >
            {t("fulfil.deliver")}
          </button>
        )}
      </div>
      {available("ship") && (
        <form className="form-row ship-form" onSubmit={ship} aria-label={t("fulfil.shipForm", { number: order.number })}>
          <Field
            label={t("fulfil.carrier")}
            required
            maxLength={100}
            autoComplete="off"
            value={carrier}
            onChange={(e) => setCarrier(e.target.value)}
            error={errors.carrier}
          />
          <Field
            label={t("fulfil.tracking")}
            required
            maxLength={100}
            autoComplete="off"
            value={tracking}
            onChange={(e) => setTracking(e.target.value)}
            error={errors.tracking_number}
          />
          <div className="field">
            <button type="submit" className="button" disabled={fulfil.isPending || target("ship").length === 0}>
              {t("fulfil.ship")}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** The outcome of the last action; it takes focus, as the button pressed may have gone with the step. */
function Done({ action, lines }: { action: FulfilmentAction; lines: number[] }) {
  const { t } = useTranslation("merchant");
  const message = useRef<HTMLParagraphElement>(null);
  const list = lines.join(", ");
  useEffect(() => message.current?.focus(), [action, list]);
  return (
    <p ref={message} className="form-success" role="status" tabIndex={-1}>
      {t(`fulfil.done.${action}`, { count: lines.length, lines: list })}
    </p>
  );
}
