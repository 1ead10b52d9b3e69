// Shared e2e fixtures: every page fails its test on a console error, a failed request or an
// error response (4xx and 5xx) unless the test declared that very response beforehand with
// `expectRefusal` (a refused promotion code, say), which must then happen; helpers to sign in
// through the UI, check accessibility with axe-core and keep a screenshot of each main page.
import { test as base, expect, type Page, type TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const env = {
  adminEmail: required("E2E_ADMIN_EMAIL"),
  adminPassword: required("E2E_ADMIN_PASSWORD"),
  demoPassword: required("E2E_DEMO_PASSWORD"),
  databaseUrl: required("E2E_DATABASE_URL"),
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e through scripts/web/e2e.sh`);
  return value;
}

/** An error response a test provokes on purpose: its status, method and URL path. */
interface Refusal {
  status: number;
  method: string;
  path: string;
  happened: boolean;
}

const refusals = new WeakMap<Page, Refusal[]>();

/**
 * Declares that the next `method path` request of this page is refused with `status`, so
 * neither that response nor the console error Chromium logs for it fails the test; the
 * response must come before the test ends.
 */
export function expectRefusal(page: Page, status: number, method: string, path: string): void {
  refusals.get(page)?.push({ status, method, path, happened: false });
}

const RESOURCE_ERROR = /^Failed to load resource: the server responded with a status of (\d+)/;

export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    const expected: Refusal[] = [];
    refusals.set(page, expected);
    const pathOf = (url: string) => (url ? new URL(url).pathname : "");
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const status = Number(RESOURCE_ERROR.exec(message.text())?.[1]);
      const path = pathOf(message.location().url);
      if (expected.some((r) => r.status === status && r.path === path)) return;
      problems.push(`console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    page.on("requestfailed", (request) => {
      // A navigation away cancels requests in flight; that is not a failure of the app.
      if (request.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
    });
    page.on("response", (response) => {
      if (response.status() < 400) return;
      const method = response.request().method();
      const path = pathOf(response.url());
      const refusal = expected.find((r) => !r.happened && r.status === response.status() && r.method === method && r.path === path);
      if (refusal) refusal.happened = true;
      else problems.push(`HTTP ${response.status()}: ${method} ${response.url()}`);
    });
    await use(page);
    for (const r of expected.filter((r) => !r.happened)) problems.push(`expected refusal did not happen: HTTP ${r.status} ${r.method} ${r.path}`);
    expect(problems, "console errors and failed requests").toEqual([]);
  },
});

export { expect };

/** Checks the page with axe-core: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(severe.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

/** Saves a full-page screenshot as a test artifact and checks accessibility. */
export async function capture(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await expectAccessible(page);
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
}
