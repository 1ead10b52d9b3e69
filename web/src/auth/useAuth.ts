// Who is signed in, for components: the session flag (reactive across tabs) and the
// account behind it (`/users/me`), with sign-out helpers that also drop cached data.
import { useSyncExternalStore } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { session } from "./session";

export type Role = Schemas["Role"];

export function useSignedIn(): boolean {
  return useSyncExternalStore(session.subscribe, session.snapshot, () => false);
}

export function useMe() {
  const signedIn = useSignedIn();
  return useQuery({
    queryKey: ["me", signedIn],
    queryFn: () => unwrap(api.GET("/api/v1/users/me")),
    enabled: signedIn,
    staleTime: 60_000,
  });
}

/** The signed-in user's role, or null when signed out or still loading. */
export function useRole(): Role | null {
  const me = useMe();
  return me.data?.role ?? null;
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return async (everywhere: boolean) => {
    const path = everywhere ? "/api/v1/auth/logout-all" : "/api/v1/auth/logout";
    // Sign out locally even when the server call fails (e.g. the session already expired).
    await api.POST(path).catch(() => undefined);
    session.clear();
    queryClient.clear();
  };
}
