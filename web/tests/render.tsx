// Renders a page as the app does (query cache, i18n, router) and stubs the network with
// answers per "METHOD /path", recording what was sent.
import type { ReactNode } from "react";
import { render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { vi } from "vitest";
import "../src/i18n";

export interface Sent {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

type Answer = { status: number; body?: unknown } | ((sent: Sent) => { status: number; body?: unknown });

export function stubApi(answers: Record<string, Answer>): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", async (input: Request | string, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(input, "http://localhost"), init);
    const text = await request.text();
    const entry: Sent = {
      method: request.method,
      path: new URL(request.url).pathname,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    sent.push(entry);
    const answer = answers[`${entry.method} ${entry.path}`];
    if (!answer) return new Response(JSON.stringify({ type: "about:blank", title: "Not Found", status: 404, code: "not_found" }), { status: 404 });
    const { status, body } = typeof answer === "function" ? answer(entry) : answer;
    const type = status >= 400 ? "application/problem+json" : "application/json";
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": type } });
  });
  return sent;
}

export function renderAt(path: string, routes: { path: string; element: ReactNode }[]) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  return render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}
