// The lag history the Events tab keeps in memory across polls: one sample per poll with each
// consumer's total lag (summed over its topics and partitions), newest last, bounded in length.
import type { ConsumerLag } from "./eventsApi";

export interface LagSample {
  /** Epoch milliseconds of the poll. */
  at: number;
  /** Consumer → total lag over its topics and partitions. */
  totals: Record<string, number>;
}

export interface LagSeries {
  consumer: string;
  points: { at: number; lag: number }[];
}

/** Ten minutes of samples at one poll every five seconds. */
export const MAX_SAMPLES = 120;

export function totalsByConsumer(rows: readonly ConsumerLag[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const row of rows) totals[row.consumer] = (totals[row.consumer] ?? 0) + row.lag;
  return totals;
}

/** The history with the poll taken at `at` added; a poll already seen (same or older time) changes nothing. */
export function appendSample(
  history: readonly LagSample[],
  rows: readonly ConsumerLag[],
  at: number,
  max: number = MAX_SAMPLES,
): LagSample[] {
  const last = history[history.length - 1];
  if (last && at <= last.at) return [...history];
  return [...history, { at, totals: totalsByConsumer(rows) }].slice(-max);
}

/** Consumers in name order. */
export function consumersOf(history: readonly LagSample[]): string[] {
  return [...new Set(history.flatMap((sample) => Object.keys(sample.totals)))].sort();
}

/** One line per consumer, with a point for every sample that measured it. */
export function seriesOf(history: readonly LagSample[]): LagSeries[] {
  return consumersOf(history).map((consumer) => ({
    consumer,
    points: history.flatMap((sample) => {
      const lag = sample.totals[consumer];
      return lag === undefined ? [] : [{ at: sample.at, lag }];
    }),
  }));
}
