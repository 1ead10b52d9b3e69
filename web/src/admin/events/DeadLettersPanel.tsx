// Dead letters (events a handler gave up on), polled, with a "Replay" per row that asks the
// workers to run the handler again; the row then reads "Replay requested", later "Replayed".
import { useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { FormError } from "../../ui/form";
import { Empty, QueryView } from "../../ui/states";
import { DateTime } from "../ui/DateTime";
import { eventKeys, fetchDeadLetters, POLL_MS, replayDeadLetter, type DeadLetter } from "./eventsApi";
import { TableScroll } from "../ui/TableScroll";

export function DeadLettersPanel() {
  const { t } = useTranslation("admin");
  const [pending, setPending] = useState(true);
  const letters = useQuery({
    queryKey: eventKeys.deadLetters(pending),
    queryFn: () => fetchDeadLetters(pending),
    refetchInterval: POLL_MS,
  });
  return (
    <section aria-labelledby="admin-dead-heading" className="admin-section">
      <h3 id="admin-dead-heading">{t("events.dead.heading")}</h3>
      <div className="field admin-checkbox">
        <label>
          <input type="checkbox" checked={pending} onChange={(e) => setPending(e.target.checked)} />{" "}
          {t("events.dead.pendingOnly")}
        </label>
      </div>
      <QueryView query={letters}>
        {(rows) => (rows.length === 0 ? <Empty>{t("events.dead.empty")}</Empty> : <DeadLettersTable rows={rows} />)}
      </QueryView>
    </section>
  );
}

function DeadLettersTable({ rows }: { rows: DeadLetter[] }) {
  const { t } = useTranslation("admin");
  return (
    <TableScroll label={t("events.dead.heading")}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("events.dead.created")}</th>
            <th scope="col">{t("events.dead.handler")}</th>
            <th scope="col">{t("events.dead.event")}</th>
            <th scope="col" className="num">
              {t("events.dead.attempts")}
            </th>
            <th scope="col">{t("events.dead.error")}</th>
            <th scope="col">{t("events.dead.state")}</th>
            <th scope="col">{t("events.dead.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((letter) => (
            <DeadLetterRow key={letter.id} letter={letter} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function DeadLetterRow({ letter }: { letter: DeadLetter }) {
  const { t } = useTranslation("admin");
  const queryClient = useQueryClient();
  const handlerId = useId();
  const replay = useMutation({
    mutationFn: () => replayDeadLetter(letter.id),
    onSuccess: (updated) => {
      // Show the request at once in every cached list; the next poll shows how the replay went.
      queryClient.setQueriesData<DeadLetter[]>({ queryKey: eventKeys.allDeadLetters }, (rows) =>
        rows?.map((row) => (row.id === updated.id ? updated : row)),
      );
    },
  });
  return (
    <tr>
      <td>
        <DateTime iso={letter.created_at} />
      </td>
      <td id={handlerId}>{letter.handler}</td>
      <td>
        <details>
          <summary>
            <code>{letter.event_id}</code>
          </summary>
          <pre className="admin-payload" role="region" aria-label={t("events.dead.payload")} tabIndex={0}>
            {JSON.stringify(letter.event, null, 2)}
          </pre>
        </details>
      </td>
      <td className="num">{letter.attempts}</td>
      <td className="admin-error-text">{letter.error}</td>
      <td>
        <DeadLetterState letter={letter} />
      </td>
      <td>
        {!letter.replayed_at && (
          <button
            type="button"
            className="button secondary"
            aria-describedby={handlerId}
            disabled={replay.isPending}
            onClick={() => replay.mutate()}
          >
            {t("events.dead.replay")}
          </button>
        )}
        <FormError error={replay.error} />
      </td>
    </tr>
  );
}

function DeadLetterState({ letter }: { letter: DeadLetter }) {
  const { t } = useTranslation("admin");
  if (letter.replayed_at) {
    return (
      <span className="status status-delivered">
        {t("events.dead.replayed")} <DateTime iso={letter.replayed_at} />
      </span>
    );
  }
  if (letter.replay_requested_at) {
    return (
      <span className="status status-pending_payment">
        {t("events.dead.requested")} <DateTime iso={letter.replay_requested_at} />
      </span>
    );
  }
  return <span className="status">{t("events.dead.notReplayed")}</span>;
}
