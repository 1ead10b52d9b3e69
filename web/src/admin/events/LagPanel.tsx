// Consumer lag, polled every 5 seconds: the history chart of each consumer's total, then the
// latest measurement per consumer, topic and partition.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Empty, QueryView } from "../../ui/states";
import { DateTime } from "../ui/DateTime";
import { eventKeys, fetchLag, POLL_MS, type ConsumerLag } from "./eventsApi";
import { useLagHistory } from "./useLagHistory";
import { LagChart } from "./LagChart";
import { TableScroll } from "../ui/TableScroll";

export function LagPanel() {
  const { t } = useTranslation("admin");
  const lag = useQuery({ queryKey: eventKeys.lag, queryFn: fetchLag, refetchInterval: POLL_MS });
  const history = useLagHistory(lag.data, lag.dataUpdatedAt);
  return (
    <section aria-labelledby="admin-lag-heading" className="admin-section">
      <h3 id="admin-lag-heading">{t("events.lag.heading")}</h3>
      <LagChart samples={history} />
      <QueryView query={lag}>
        {(rows) => (rows.length === 0 ? <Empty>{t("events.lag.empty")}</Empty> : <LagTable rows={rows} />)}
      </QueryView>
    </section>
  );
}

function LagTable({ rows }: { rows: ConsumerLag[] }) {
  const { t } = useTranslation("admin");
  return (
    <TableScroll label={t("events.lag.heading")}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("events.lag.consumer")}</th>
            <th scope="col">{t("events.lag.topic")}</th>
            <th scope="col" className="num">
              {t("events.lag.partition")}
            </th>
            <th scope="col" className="num">
              {t("events.lag.lag")}
            </th>
            <th scope="col">{t("events.lag.measured")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.consumer}/${row.topic}/${row.partition}`}>
              <td>{row.consumer}</td>
              <td>{row.topic}</td>
              <td className="num">{row.partition}</td>
              <td className="num">{row.lag}</td>
              <td>
                <DateTime iso={row.measured_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
