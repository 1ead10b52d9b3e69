// A keyset-paginated list's states: loading, error (with retry), empty, else the rows of every
// page loaded so far followed by "Load more".
import type { ReactNode } from "react";
import type { InfiniteData, UseInfiniteQueryResult } from "@tanstack/react-query";
import { Empty, ErrorState, Loading } from "../../ui/states";
import { LoadMore } from "./LoadMore";

interface PagedListProps<TPage, TRow> {
  query: UseInfiniteQueryResult<InfiniteData<TPage>>;
  rowsOf: (page: TPage) => readonly TRow[];
  empty: string;
  children: (rows: TRow[]) => ReactNode;
}

export function PagedList<TPage, TRow>({ query, rowsOf, empty, children }: PagedListProps<TPage, TRow>) {
  if (query.isPending) return <Loading />;
  if (!query.data || (query.isError && !query.isFetchNextPageError)) {
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  }
  const rows = query.data.pages.flatMap(rowsOf);
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <>
      {children(rows)}
      <LoadMore query={query} />
    </>
  );
}
