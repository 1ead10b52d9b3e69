// The typed API client: openapi-fetch over the generated `schema.d.ts`, with the caller's
// access token attached (refreshed first when it is about to expire).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { session } from "../auth/session";
import { ApiError, toApiError } from "./problem";

export type Schemas = components["schemas"];

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  // Looked up per request (not captured once), so tests can stub the network.
  fetch: (request) => globalThis.fetch(request),
});

const bearer: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (schemaPath === "/api/v1/auth/token") return request;
    const token = await session.accessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response, request }) {
    // A revoked or expired session: forget it so the app shows "signed out" instead of errors.
    if (response.status === 401 && request.headers.has("Authorization")) session.clear();
    return response;
  },
};
api.use(bearer);

/** Unwraps an openapi-fetch result: the data, or an `ApiError` carrying the problem document. */
export async function unwrap<T>(
  result: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await result;
  if (!response.ok) throw toApiError(response.status, error);
  return data as T;
}

export { ApiError };
