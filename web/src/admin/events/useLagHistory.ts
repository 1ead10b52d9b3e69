// Accumulates the lag history while the Events tab is open: each successful poll (a new
// `dataUpdatedAt`) adds one sample, derived during render so no effect is needed.
import { useState } from "react";
import { appendSample, type LagSample } from "./lagHistory";
import type { ConsumerLag } from "./eventsApi";

export function useLagHistory(rows: readonly ConsumerLag[] | undefined, updatedAt: number): LagSample[] {
  const [state, setState] = useState<{ seen: number; samples: LagSample[] }>({ seen: 0, samples: [] });
  if (rows && updatedAt !== state.seen) {
    setState((prev) => ({ seen: updatedAt, samples: appendSample(prev.samples, rows, updatedAt) }));
  }
  return state.samples;
}
