// The order-line state machine as the console needs it (mirrors `domain/src/order.rs`): a line
// goes unfulfilled → fulfilling → shipped → delivered (shipping may skip "fulfilling"), and only
// orders that are paid, fulfilling or shipped accept fulfilment.
import type { Schemas } from "../api/client";

export type FulfilmentAction = Schemas["FulfilmentAction"];
type LineStatus = Schemas["LineFulfilment"];
type OrderStatus = Schemas["OrderStatus"];

const FROM: Record<FulfilmentAction, LineStatus[]> = {
  start: ["unfulfilled"],
  ship: ["unfulfilled", "fulfilling"],
  deliver: ["shipped"],
};

export function canTake(action: FulfilmentAction, line: LineStatus): boolean {
  return FROM[action].includes(line);
}

export function acceptsFulfilment(order: OrderStatus): boolean {
  return order === "paid" || order === "fulfilling" || order === "shipped";
}

/** Line numbers among `lines` (optionally only the `selected` ones) that can take `action`. */
export function linesFor(
  action: FulfilmentAction,
  lines: { line_no: number; fulfilment_status: LineStatus }[],
  selected?: ReadonlySet<number>,
): number[] {
  return lines
    .filter((line) => canTake(action, line.fulfilment_status) && (!selected || selected.has(line.line_no)))
    .map((line) => line.line_no);
}
