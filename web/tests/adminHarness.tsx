// Test harness of the admin console tests: renders /admin/* in a fresh QueryClient and memory
// router, and answers the API client's requests from a fake server recording every call.
import "@testing-library/jest-dom/vitest";
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import type { Middleware } from "openapi-fetch";
import "../src/i18n";
import { api } from "../src/api/client";
import { AdminConsole } from "../src/admin/AdminConsole";

export interface Call {
  method: string;
  /** Path without the query string, e.g. `/api/v1/admin/users`. */
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

/** Answers a call; throwing simulates a network error. */
export type Handler = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

export function problem(status: number, code: string, detail: string): Response {
  return json(status, { type: `https://shopfleet.dev/problems/${code}`, title: code, status, code, detail });
}

/** Routes the API client to `handler` until `dispose()`; `calls` records what was sent. */
export function fakeApi(handler: Handler) {
  const calls: Call[] = [];
  const middleware: Middleware = {
    async onRequest({ request }) {
      const url = new URL(request.url);
      const text = await request.clone().text();
      const call: Call = {
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      calls.push(call);
      return handler(call);
    },
  };
  api.use(middleware);
  return { calls, dispose: () => api.eject(middleware) };
}

export function renderAdmin(path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const user = userEvent.setup();
  const view = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="admin/*" element={<AdminConsole />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { user, queryClient, ...view };
}
