// The "Load more" button under a keyset-paginated list, with the error of a failed next page.
import { useTranslation } from "react-i18next";
import { FormError } from "../../ui/form";

interface PagedQuery {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  error: unknown;
  fetchNextPage: () => unknown;
}

export function LoadMore({ query }: { query: PagedQuery }) {
  const { t } = useTranslation("admin");
  return (
    <>
      {query.isFetchNextPageError && <FormError error={query.error} />}
      {query.hasNextPage && (
        <div className="load-more">
          <button
            type="button"
            className="button secondary"
            disabled={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            {query.isFetchingNextPage ? t("common.loadingMore") : t("common.loadMore")}
          </button>
        </div>
      )}
    </>
  );
}

