// Cancelling an unpaid order, asked first (nothing shows for other orders); the API's refusal,
// e.g. for an order paid meanwhile, shows as its problem detail.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { FormError } from "../../ui/form";
import { ConfirmButton } from "../ui/ConfirmButton";
import { cancelOrder, orderKeys, type Order } from "./ordersApi";

export function CancelOrder({ order }: { order: Order }) {
  const { t } = useTranslation("admin");
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => cancelOrder(order.id),
    onSuccess: (updated) => {
      queryClient.setQueryData(orderKeys.detail(order.id), updated);
      return queryClient.invalidateQueries({ queryKey: orderKeys.all });
    },
  });
  if (cancel.isSuccess) {
    return (
      <p className="form-success" role="status">
        {t("orders.cancelled")}
      </p>
    );
  }
  if (order.status !== "pending_payment") return null;
  return (
    <section className="card admin-section" aria-labelledby="admin-cancel-heading">
      <h3 id="admin-cancel-heading">{t("orders.cancelHeading")}</h3>
      <p className="muted">{t("orders.cancelHint")}</p>
      <FormError error={cancel.error} />
      <ConfirmButton
        label={t("orders.cancel")}
        question={t("orders.confirmCancel", { number: order.number })}
        disabled={cancel.isPending}
        onConfirm={() => cancel.mutate()}
      />
    </section>
  );
}
