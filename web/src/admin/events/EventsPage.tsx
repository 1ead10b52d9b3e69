// The Events tab, the platform's "Flower": consumer lag with its history chart, recent handler
// failures and dead letters with replay, all refreshed every 5 seconds.
import { useTranslation } from "react-i18next";
import { LagPanel } from "./LagPanel";
import { FailuresPanel } from "./FailuresPanel";
import { DeadLettersPanel } from "./DeadLettersPanel";

export function EventsPage() {
  const { t } = useTranslation("admin");
  return (
    <section aria-labelledby="admin-events-heading">
      <div className="page-header">
        <h2 id="admin-events-heading">{t("events.heading")}</h2>
        <p className="muted">{t("events.polling")}</p>
      </div>
      <LagPanel />
      <FailuresPanel />
      <DeadLettersPanel />
    </section>
  );
}
