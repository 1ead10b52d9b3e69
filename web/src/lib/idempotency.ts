// Idempotency keys for requests that must not happen twice (checkout, paying, refunds): one
// key per intended action, reused when the same action is retried (a timeout, a lost
// response), renewed once the action succeeded or its inputs changed.
import { useCallback, useRef } from "react";

export interface IdempotencyKeys {
  /** The key for this request: the one used before if its inputs are unchanged. */
  keyFor: (inputs: unknown) => string;
  /** Forgets the key once its request succeeded. */
  done: () => void;
}

export function useIdempotencyKey(): IdempotencyKeys {
  const current = useRef<{ inputs: string; key: string } | null>(null);
  const keyFor = useCallback((inputs: unknown): string => {
    const fingerprint = JSON.stringify(inputs);
    if (current.current?.inputs !== fingerprint) current.current = { inputs: fingerprint, key: crypto.randomUUID() };
    return current.current.key;
  }, []);
  const done = useCallback(() => {
    current.current = null;
  }, []);
  return { keyFor, done };
}
