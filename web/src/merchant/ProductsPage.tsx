// The merchant's own products: drafts and archived ones remembered by this browser, then the
// published ones from the listing (`GET /api/v1/products?merchant=<me>`) with "load more".
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { Money, useLocale } from "../ui/Money";
import { Empty, ErrorState, Loading, QueryView } from "../ui/states";
import { formatDate } from "../lib/money";
import { StatusBadge } from "./StatusBadge";
import { useListedProducts, useMerchantId, useUnlistedProducts, type Product } from "./queries";
import { paths } from "./paths";

export function ProductsPage() {
  const { t } = useTranslation("merchant");
  const merchant = useMerchantId();
  return (
    <section aria-labelledby="products-heading">
      <div className="page-header">
        <h2 id="products-heading">{t("products.heading")}</h2>
        <Link className="button" to={paths.newProduct}>
          {t("products.new")}
        </Link>
      </div>
      {merchant ? (
        <>
          <UnlistedProducts merchant={merchant} />
          <ListedProducts merchant={merchant} />
        </>
      ) : (
        <Loading />
      )}
    </section>
  );
}

function UnlistedProducts({ merchant }: { merchant: string }) {
  const { t } = useTranslation("merchant");
  const unlisted = useUnlistedProducts(merchant);
  if (unlisted.data?.length === 0) return null;
  return (
    <section aria-labelledby="unlisted-heading">
      <h3 id="unlisted-heading">{t("products.unlisted")}</h3>
      <p className="muted">{t("products.unlistedHint")}</p>
      <QueryView query={unlisted}>{(products) => <ProductTable products={products} />}</QueryView>
    </section>
  );
}

function ListedProducts({ merchant }: { merchant: string }) {
  const { t } = useTranslation("merchant");
  const listed = useListedProducts(merchant);
  const products = listed.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby="listed-heading">
      <h3 id="listed-heading">{t("products.published")}</h3>
      {listed.isPending ? (
        <Loading />
      ) : listed.error && products.length === 0 ? (
        <ErrorState error={listed.error} onRetry={() => void listed.refetch()} />
      ) : products.length === 0 ? (
        <Empty>{t("products.empty")}</Empty>
      ) : (
        <>
          <ProductTable products={products} />
          {listed.error && <ErrorState error={listed.error} onRetry={() => void listed.fetchNextPage()} />}
          {listed.hasNextPage && (
            <div className="actions load-more">
              <button
                type="button"
                className="button secondary"
                disabled={listed.isFetchingNextPage}
                onClick={() => void listed.fetchNextPage()}
              >
                {listed.isFetchingNextPage ? t("products.loadingMore") : t("products.loadMore")}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function ProductTable({ products }: { products: Product[] }) {
  const { t } = useTranslation("merchant");
  const locale = useLocale();
  return (
    <div className="table-scroll">
      <table className="table">
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

