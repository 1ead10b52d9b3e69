// RFC 9457 problem documents as the app sees them: an `ApiError` with the API's `detail`
// and its per-field errors, keyed by the field path the API names.
import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  get code(): string {
    return this.problem.code;
  }

  /** Field path (`card.number`, `items[0].quantity`) → message. */
  get fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.problem.errors ?? []).map((e) => [e.field, e.message]));
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && "title" in body && "status" in body;
}

/** Turns any error body into an `ApiError`; OAuth errors (`error`, `error_description`) included. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isProblem(body)) return new ApiError(status, { ...body, code: body.code ?? "error" });
  if (typeof body === "object" && body !== null && "error" in body) {
    const oauth = body as { error: string; error_description?: string };
    return new ApiError(status, {
      type: "about:blank",
      title: oauth.error,
      status,
      code: oauth.error,
      detail: oauth.error_description ?? oauth.error,
    });
  }
  return new ApiError(status, { type: "about:blank", title: `HTTP ${status}`, status, code: "http_error" });
}

/** The message to show for any thrown error. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
