// Recent failed handler attempts, newest first, polled with the rest of the Events tab.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Empty, QueryView } from "../../ui/states";
import { DateTime } from "../ui/DateTime";
import { eventKeys, fetchFailures, POLL_MS, type HandlerFailure } from "./eventsApi";
import { TableScroll } from "../ui/TableScroll";

export function FailuresPanel() {
  const { t } = useTranslation("admin");
  const failures = useQuery({ queryKey: eventKeys.failures, queryFn: fetchFailures, refetchInterval: POLL_MS });
  return (
    <section aria-labelledby="admin-failures-heading" className="admin-section">
      <h3 id="admin-failures-heading">{t("events.failures.heading")}</h3>
      <QueryView query={failures}>
        {(rows) => (rows.length === 0 ? <Empty>{t("events.failures.empty")}</Empty> : <FailuresTable rows={rows} />)}
      </QueryView>
    </section>
  );
}

function FailuresTable({ rows }: { rows: HandlerFailure[] }) {
  const { t } = useTranslation("admin");
  return (
    <TableScroll label={t("events.failures.heading")}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("events.failures.failedAt")}</th>
            <th scope="col">{t("events.failures.handler")}</th>
            <th scope="col">{t("events.failures.eventType")}</th>
            <th scope="col">{t("events.failures.event")}</th>
            <th scope="col" className="num">
              {t("events.failures.attempt")}
            </th>
            <th scope="col">{t("events.failures.error")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.event_id}/${row.handler}/${row.attempt}/${row.failed_at}`}>
              <td>
                <DateTime iso={row.failed_at} />
              </td>
              <td>{row.handler}</td>
              <td>{row.event_type}</td>
              <td>
                <code>{row.event_id}</code>
              </td>
              <td className="num">{row.attempt}</td>
              <td className="admin-error-text">{row.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
