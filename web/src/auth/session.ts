// The signed-in session: the OAuth2 token pair, kept in localStorage so a reload or a new
// tab stays signed in, refreshed through the rotating refresh token before the access token
// expires (one refresh at a time, shared by concurrent requests), shared across tabs.
import type { components } from "../api/schema";
import { toApiError } from "../api/problem";

type TokenPair = components["schemas"]["TokenPair"];

interface Stored {
  access: string;
  refresh: string;
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number;
}

const KEY = "shopfleet.session";
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;

type Listener = () => void;

class Session {
  private current: Stored | null = read();
  private refreshing: Promise<string | null> | null = null;
  private listeners = new Set<Listener>();

  constructor() {
    globalThis.addEventListener?.("storage", (event) => {
      if (event.key !== KEY) return;
      this.current = read();
      this.emit();
    });
  }

  /** True while a token pair is held (it may still turn out revoked). */
  get signedIn(): boolean {
    return this.current !== null;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): boolean => this.signedIn;

  /** Password grant: signs in and stores the pair. */
  async signIn(email: string, password: string): Promise<void> {
    const pair = await tokenRequest({ grant_type: "password", username: email, password });
    this.store(pair);
  }

  /** The access token to send, refreshed first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const held = this.current;
    if (!held) return null;
    if (held.expiresAt - EARLY_MS > Date.now()) return held.access;
    this.refreshing ??= this.refresh(held.refresh).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(refreshToken: string): Promise<string | null> {
    try {
      const pair = await tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken });
      this.store(pair);
      return pair.access_token;
    } catch {
      // Another tab may have rotated the token first: take what it stored.
      const stored = read();
      if (stored && stored.refresh !== refreshToken) {
        this.current = stored;
        return stored.access;
      }
      this.clear();
      return null;
    }
  }

  store(pair: TokenPair): void {
    this.current = {
      access: pair.access_token,
      refresh: pair.refresh_token,
      expiresAt: Date.now() + pair.expires_in * 1000,
    };
    localStorage.setItem(KEY, JSON.stringify(this.current));
    this.emit();
  }

  clear(): void {
    if (!this.current) return;
    this.current = null;
    localStorage.removeItem(KEY);
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

function read(): Stored | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Stored;
    return typeof parsed.access === "string" && typeof parsed.refresh === "string" ? parsed : null;
  } catch {
    return null;
  }
}

async function tokenRequest(body: Record<string, string>): Promise<TokenPair> {
  const response = await fetch("/api/v1/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, json);
  return json as TokenPair;
}

export const session = new Session();
