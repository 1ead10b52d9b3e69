// A product's, order's or order line's status as a coloured, translated label (`status status-<value>`).
import { useTranslation } from "react-i18next";

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation("merchant");
  return <span className={`status status-${status}`}>{t(`status.${status}`)}</span>;
}
