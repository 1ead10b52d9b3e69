// The merchant's own products in every status (`GET /api/v1/merchant/products`): a status filter
// and a sort kept in the URL, keyset "load more", and each product's status badge.
import { Link, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { Money, useLocale } from "../ui/Money";
import { SelectField } from "../ui/form";
import { Empty, ErrorState, Loading } from "../ui/states";
import { formatDate } from "../lib/money";
import { StatusBadge } from "./StatusBadge";
import {
  useMerchantId,
  useOwnProducts,
  type Product,
  type ProductFilters,
  type ProductSort,
  type ProductStatus,
} from "./queries";
import { paths } from "./paths";

const STATUSES: ProductStatus[] = ["draft", "published", "archived"];
const SORTS: ProductSort[] = ["newest", "price_asc", "price_desc", "title"];

/** The filters in the URL (`?status=draft&sort=title`); unknown values fall back to all / newest. */
function filtersOf(params: URLSearchParams): ProductFilters {
  return {
    status: STATUSES.find((s) => s === params.get("status")),
    sort: SORTS.find((s) => s === params.get("sort")) ?? "newest",
  };
}

export function ProductsPage() {
  const { t } = useTranslation("merchant");
  const merchant = useMerchantId();
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const update = (key: "status" | "sort", value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };
  return (
    <section aria-labelledby="products-heading">
      <div className="page-header">
        <h2 id="products-heading">{t("products.heading")}</h2>
        <Link className="button" to={paths.newProduct}>
          {t("products.new")}
        </Link>
      </div>
      <div className="form-row" role="group" aria-label={t("products.filters")}>
        <SelectField
          label={t("products.statusFilter")}
          value={filters.status ?? ""}
          onChange={(e) => update("status", e.target.value)}
        >
          <option value="">{t("products.allStatuses")}</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(`status.${status}`)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t("products.sort")} value={filters.sort} onChange={(e) => update("sort", e.target.value)}>
          {SORTS.map((sort) => (
            <option key={sort} value={sort}>
              {t(`products.sorts.${sort}`)}
            </option>
          ))}
        </SelectField>
      </div>
      {merchant ? <OwnProducts merchant={merchant} filters={filters} /> : <Loading />}
    </section>
  );
}

function OwnProducts({ merchant, filters }: { merchant: string; filters: ProductFilters }) {
  const { t } = useTranslation("merchant");
  const list = useOwnProducts(merchant, filters);
  const products = list.data?.pages.flatMap((page) => page.items) ?? [];
  if (list.isPending) return <Loading />;
  if (list.error && products.length === 0) {
    return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  }
  if (products.length === 0) {
    const status = filters.status && t(`status.${filters.status}`);
    return <Empty>{status ? t("products.emptyStatus", { status }) : t("products.empty")}</Empty>;
  }
  return (
    <>
      <ProductTable products={products} />
      {list.error && <ErrorState error={list.error} onRetry={() => void list.fetchNextPage()} />}
      {list.hasNextPage && (
        <div className="actions load-more">
          <button
            type="button"
            className="button secondary"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {list.isFetchingNextPage ? t("products.loadingMore") : t("products.loadMore")}
          </button>
        </div>
      )}
    </>
  );
}

function ProductTable({ products }: { products: Product[] }) {
  const { t } = useTranslation("merchant");
  const locale = useLocale();
  return (
    <div className="table-scroll">
      <table className="table">
        <caption className="visually-hidden">
          {t("products.caption")}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("product.title")}</th>
            <th scope="col">{t("product.status")}</th>
            <th scope="col" className="num">
              {t("products.variants")}
            </th>
            <th scope="col" className="num">
              {t("products.priceFrom")}
            </th>
            <th scope="col">{t("products.stock")}</th>
            <th scope="col">{t("products.updated")}</th>
          </tr>
        </thead>
        <tbody>
          {products.map((product) => (
            <tr key={product.id}>
              <td>
                <Link to={paths.product(product.id)}>{product.title}</Link>
              </td>
              <td>
                <StatusBadge status={product.status} />
              </td>
              <td className="num">{product.variant_count}</td>
              <td className="num">
                {product.min_price_minor != null && product.currency ? (
                  <Money minor={product.min_price_minor} currency={product.currency} />
                ) : (
                  "—"
                )}
              </td>
              <td className={product.in_stock ? "stock-in" : "stock-out"}>
                {product.in_stock ? t("stock.in") : t("stock.out")}
              </td>
              <td>{formatDate(product.updated_at, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
