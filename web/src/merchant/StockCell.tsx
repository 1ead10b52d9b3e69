// A table cell with a variant's available stock and its level in words and colour
// (stock-out / stock-low / stock-in), so the level never depends on colour alone.
import { useTranslation } from "react-i18next";
import { stockLevel } from "./lowStock";
import type { Variant } from "./queries";

export function StockCell({ variant }: { variant: Pick<Variant, "available" | "low_stock_threshold"> }) {
  const { t } = useTranslation("merchant");
  const level = stockLevel(variant);
  return (
    <td className={`num stock-${level}`}>
      {variant.available} <span className="stock-label">({t(`stock.${level}`)})</span>
    </td>
  );
}
