// The session refreshes an expiring access token once, however many requests ask at the same
// time, stores the rotated pair, and signs out when the refresh token is refused.
import { afterEach, describe, expect, it, vi } from "vitest";
import { session } from "../src/auth/session";

function pair(access: string, refresh: string, expiresIn = 900) {
  return { access_token: access, refresh_token: refresh, token_type: "Bearer", expires_in: expiresIn };
}

afterEach(() => {
  vi.unstubAllGlobals();
  session.clear();
});

describe("session", () => {
  it("uses the held token while it is fresh", async () => {
    session.store(pair("a1", "r1"));
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    expect(await session.accessToken()).toBe("a1");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("refreshes an expiring token once for concurrent callers and keeps the rotated pair", async () => {
    session.store(pair("old", "r1", 10));
    const fetch = vi.fn(async () => new Response(JSON.stringify(pair("new", "r2")), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const tokens = await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    expect(tokens).toEqual(["new", "new", "new"]);
    expect(fetch).toHaveBeenCalledTimes(1);
    const body = JSON.parse((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body as string);
    expect(body).toEqual({ grant_type: "refresh_token", refresh_token: "r1" });
    expect(JSON.parse(localStorage.getItem("shopfleet.session")!).refresh).toBe("r2");
  });

  it("signs out when the refresh token is refused", async () => {
    session.store(pair("old", "r1", 10));
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ error: "invalid_grant" }), { status: 400 })));
    const seen: boolean[] = [];
    const stop = session.subscribe(() => seen.push(session.signedIn));
    expect(await session.accessToken()).toBeNull();
    stop();
    expect(session.signedIn).toBe(false);
    expect(seen).toEqual([false]);
    expect(localStorage.getItem("shopfleet.session")).toBeNull();
  });
});
