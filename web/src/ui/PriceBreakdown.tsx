// A priced cart or order as the API computed it (never recomputed here): the lines' subtotal,
// each discount with its code, shipping, tax and the total. A tax-inclusive shop lists the
// tax its total contains ("incl. 19 % VAT") below the total; a tax-exclusive one adds it
// ("Tax 7 %") above. Used by the cart, checkout and the order page.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { formatRate } from "../lib/money";
import { Money, useLocale } from "./Money";

type Breakdown = Schemas["Breakdown"];

/** The tax per rate (classes at the same rate together), leaving out untaxed amounts. */
export function taxesByRate(taxes: Breakdown["taxes"]): { rate_bp: number; tax_minor: number }[] {
  const byRate = new Map<number, number>();
  for (const tax of taxes) {
    if (tax.rate_bp === 0 && tax.tax_minor === 0) continue;
    byRate.set(tax.rate_bp, (byRate.get(tax.rate_bp) ?? 0) + tax.tax_minor);
  }
  return [...byRate].sort(([a], [b]) => b - a).map(([rate_bp, tax_minor]) => ({ rate_bp, tax_minor }));
}

export function PriceBreakdown({
  breakdown,
  currency,
  shippingName,
  shippingRequired = false,
  className,
}: {
  breakdown: Breakdown;
  currency: string;
  /** The chosen shipping method's name, shown beside its price. */
  shippingName?: string | null | undefined;
  /** Whether the shop ships this cart, so a missing method is worth a row ("not chosen yet"). */
  shippingRequired?: boolean;
  className?: string;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const inclusive = breakdown.tax_mode === "inclusive";
  const taxRows = taxesByRate(breakdown.taxes).map((tax) => (
    <Row
      key={tax.rate_bp}
      className="breakdown-tax"
      label={t(inclusive ? "pricing.taxIncluded" : "pricing.taxAdded", { rate: formatRate(tax.rate_bp, locale) })}
    >
      <Money minor={tax.tax_minor} currency={currency} />
    </Row>
  ));
  const shipping = breakdown.shipping;

  return (
    <table className={`breakdown${className ? ` ${className}` : ""}`}>
      <caption className="visually-hidden">{t("pricing.caption")}</caption>
      <tbody>
        <Row label={t("pricing.subtotal")}>
          <Money minor={breakdown.subtotal_minor} currency={currency} />
        </Row>
        {breakdown.discounts.map((discount, index) => {
          const onShipping = discount.on.kind === "shipping";
          const label = discount.code
            ? t(onShipping ? "pricing.shippingDiscountCode" : "pricing.discountCode", { code: discount.code })
            : t(onShipping ? "pricing.shippingDiscount" : "pricing.discount");
          return (
            <Row key={`${discount.promotion_id}-${index}`} className="breakdown-discount" label={label}>
              <Money minor={-discount.amount_minor} currency={currency} />
            </Row>
          );
        })}
        {shipping ? (
          <Row label={shippingName ? t("pricing.shippingMethod", { name: shippingName }) : t("pricing.shipping")}>
            {shipping.gross_minor === 0 ? t("pricing.free") : <Money minor={shipping.gross_minor} currency={currency} />}
          </Row>
        ) : (
          shippingRequired && (
            <Row label={t("pricing.shipping")}>
              <span className="muted">{t("pricing.notChosen")}</span>
            </Row>
          )
        )}
        {!inclusive && taxRows}
      </tbody>
      <tfoot>
        <Row className="breakdown-total" label={t("pricing.total")}>
          <Money minor={breakdown.total_minor} currency={currency} />
        </Row>
        {inclusive && taxRows}
      </tfoot>
    </table>
  );
}

function Row({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <tr className={className}>
      <th scope="row">{label}</th>
      <td>{children}</td>
    </tr>
  );
}
