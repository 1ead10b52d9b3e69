// Renders a page as the app does (query cache, i18n, router) and stubs the network with
// answers per "METHOD /path", recording what was sent: a JSON body parsed, a multipart body
// as its fields (files as `SentFile`).
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

/**
 * A file part of a multipart body, as recorded: its type only, because the compatibility layer
 * between jsdom's FormData and Node's Request keeps neither the file's name nor (with this jsdom)
 * its bytes.
 */
export interface SentFile {
  file: true;
  type: string;
}

async function bodyOf(request: Request): Promise<unknown> {
  if (request.headers.get("Content-Type")?.startsWith("multipart/form-data")) {
    const fields: Record<string, string | SentFile> = {};
    for (const [name, value] of await request.formData()) {
      fields[name] = typeof value === "string" ? value : { file: true, type: value.type };
    }
    return fields;
  }
  const text = await request.text();
  return text ? JSON.parse(text) : undefined;
}

type Answer = { status: number; body?: unknown } | ((sent: Sent) => { status: number; body?: unknown });

export function stubApi(answers: Record<string, Answer>): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", async (input: Request | string, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(input, "http://localhost"), init);
    const entry: Sent = {
      method: request.method,
      path: new URL(request.url).pathname,
      headers: request.headers,
      body: await bodyOf(request),
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
