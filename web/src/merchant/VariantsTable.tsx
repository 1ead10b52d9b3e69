// A product's variants (`GET /api/v1/products/{id}/variants`, every page) with price, stock level
// and a link to each variant's inventory page.
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { Money } from "../ui/Money";
import { Empty, QueryView } from "../ui/states";
import { StockCell } from "./StockCell";
import { useVariants, type Variant } from "./queries";
import { paths } from "./paths";

/** "size: M, colour: blue" */
export function optionsText(options: Variant["options"]): string {
  return Object.entries(options as Record<string, unknown>)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join(", ");
}

export function VariantsTable({ productId }: { productId: string }) {
  const { t } = useTranslation("merchant");
  const variants = useVariants(productId);
  return (
    <QueryView query={variants}>
      {(items) =>
        items.length === 0 ? (
          <Empty>{t("variants.empty")}</Empty>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t("variant.sku")}</th>
                  <th scope="col">{t("variant.options")}</th>
                  <th scope="col" className="num">
                    {t("variant.price")}
                  </th>
                  <th scope="col" className="num">
                    {t("variant.compareAt")}
                  </th>
                  <th scope="col" className="num">
                    {t("variant.onHand")}
                  </th>
                  <th scope="col" className="num">
                    {t("variants.reserved")}
                  </th>
                  <th scope="col" className="num">
                    {t("variants.available")}
                  </th>
                  <th scope="col" className="num">
                    {t("variant.lowStockThreshold")}
                  </th>
                  <th scope="col">{t("variants.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((v) => (
                  <tr key={v.id}>
                    <th scope="row">{v.sku}</th>
                    <td>{optionsText(v.options) || "—"}</td>
                    <td className="num">
                      <Money minor={v.price_minor} currency={v.currency} />
                    </td>
                    <td className="num">
                      {v.compare_at_minor != null ? <Money minor={v.compare_at_minor} currency={v.currency} /> : "—"}
                    </td>
                    <td className="num">{v.on_hand}</td>
                    <td className="num">{v.reserved}</td>
                    <StockCell variant={v} />
                    <td className="num">{v.low_stock_threshold ?? "—"}</td>
                    <td>
                      <AdjustStockLink productId={productId} variant={v} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </QueryView>
  );
}

/** "Adjust stock" link to a variant's inventory page, named with its SKU for screen readers. */
export function AdjustStockLink({ productId, variant }: { productId: string; variant: Pick<Variant, "id" | "sku"> }) {
  const { t } = useTranslation("merchant");
  return (
    <Link to={paths.inventory(productId, variant.id)}>
      {t("variants.adjust")} <span className="visually-hidden">{variant.sku}</span>
    </Link>
  );
}
