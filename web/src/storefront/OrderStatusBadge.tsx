// An order's or line's status as a coloured, translated badge.
import { useTranslation } from "react-i18next";

export function OrderStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`status status-${status}`}>{t(`status.${status}`)}</span>;
}
