// A wide table's horizontal scroll container: a focusable region named "<name> table", so
// keyboard users can scroll it and its name differs from the section around it.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  const { t } = useTranslation("admin");
  return (
    <div className="table-scroll" role="region" aria-label={t("common.table", { name: label })} tabIndex={0}>
      {children}
    </div>
  );
}
