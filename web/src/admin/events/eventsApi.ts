// The admin events API: consumer lag, recent handler failures, dead letters and their replay.
import { api, unwrap, type Schemas } from "../../api/client";

export type ConsumerLag = Schemas["ConsumerLag"];
export type HandlerFailure = Schemas["HandlerFailure"];
export type DeadLetter = Schemas["DeadLetter"];

/** How often the Events tab polls, like a monitoring dashboard. */
export const POLL_MS = 5_000;

export const eventKeys = {
  lag: ["admin", "events", "lag"] as const,
  failures: ["admin", "events", "failures"] as const,
  deadLetters: (pending: boolean) => ["admin", "events", "dead-letters", pending] as const,
  allDeadLetters: ["admin", "events", "dead-letters"] as const,
};

export const fetchLag = () => unwrap(api.GET("/api/v1/admin/events/lag"));

export const fetchFailures = () => unwrap(api.GET("/api/v1/admin/events/failures", { params: { query: { limit: 50 } } }));

export const fetchDeadLetters = (pending: boolean) =>
  unwrap(api.GET("/api/v1/admin/events/dead-letters", { params: { query: { pending, limit: 100 } } }));

export const replayDeadLetter = (id: string) =>
  unwrap(api.POST("/api/v1/admin/events/dead-letters/{id}/replay", { params: { path: { id } } }));
