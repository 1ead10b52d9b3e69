// Low stock: every variant of the merchant's drafts and published products (all pages of
// `GET /api/v1/merchant/products`, archived ones skipped) that is out of stock or at/below its
// low-stock threshold, emptiest first, each with a link to adjust its stock.
import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Empty, Loading, QueryView } from "../ui/states";
import { StatusBadge } from "./StatusBadge";
import { StockCell } from "./StockCell";
import { AdjustStockLink } from "./VariantsTable";
import { lowStockRows, type LowStockRow } from "./lowStock";
import { fetchAllProducts, fetchAllVariants, keys, useMerchantId, type Product, type Variant } from "./queries";
import { paths } from "./paths";

/** Runs `task` over `items`, at most `limit` at a time, keeping their order. */
async function mapLimited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function fetchLowStock(): Promise<LowStockRow[]> {
  const products = (await fetchAllProducts()).filter((p) => p.status !== "archived");
  const withVariants = await mapLimited(products, 4, async (product: Product) => ({
    product,
    variants: product.variant_count > 0 ? await fetchAllVariants(product.id) : ([] as Variant[]),
  }));
  return lowStockRows(withVariants);
}

export function LowStockPage() {
  const { t } = useTranslation("merchant");
  const merchant = useMerchantId();
  const rows = useQuery({
    queryKey: keys.lowStock(merchant ?? ""),
    queryFn: fetchLowStock,
    enabled: Boolean(merchant),
  });
  return (
    <section aria-labelledby="low-stock-heading">
      <h2 id="low-stock-heading">{t("lowStock.heading")}</h2>
      <p className="muted">{t("lowStock.explain")}</p>
      {merchant ? (
        <QueryView query={rows}>
          {(items) => (items.length === 0 ? <Empty>{t("lowStock.empty")}</Empty> : <LowStockTable rows={items} />)}
        </QueryView>
      ) : (
        <Loading />
      )}
    </section>
  );
}

function LowStockTable({ rows }: { rows: LowStockRow[] }) {
  const { t } = useTranslation("merchant");
  return (
    <div className="table-scroll">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("lowStock.product")}</th>
            <th scope="col">{t("variant.sku")}</th>
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
          {rows.map(({ product, variant }) => (
            <tr key={variant.id}>
              <td>
                <Link to={paths.product(product.id)}>{product.title}</Link>{" "}
                {product.status !== "published" && <StatusBadge status={product.status} />}
              </td>
              <td>{variant.sku}</td>
              <StockCell variant={variant} />
              <td className="num">{variant.low_stock_threshold ?? "—"}</td>
              <td>
                <AdjustStockLink productId={product.id} variant={variant} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
