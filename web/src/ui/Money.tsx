// A price in the current language's format.
import { useTranslation } from "react-i18next";
import { formatMoney } from "../lib/money";
import { localeOf } from "../i18n";

export function Money({ minor, currency }: { minor: number; currency: string }) {
  const { i18n } = useTranslation();
  return <span className="money">{formatMoney(minor, currency, localeOf(i18n.language))}</span>;
}

export function useLocale(): string {
  const { i18n } = useTranslation();
  return localeOf(i18n.language);
}
