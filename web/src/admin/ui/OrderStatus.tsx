// An order's status as a coloured, translated badge.
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";

export type OrderStatus = Schemas["OrderStatus"];

export const ORDER_STATUSES: readonly OrderStatus[] = [
  "pending_payment",
  "paid",
  "fulfilling",
  "shipped",
  "delivered",
  "cancelled",
  "refunded",
  "partially_refunded",
];

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useTranslation("admin");
  return <span className={`status status-${status}`}>{t(`status.${status}`)}</span>;
}
