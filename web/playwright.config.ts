// Playwright drives Debian's Chromium (never a downloaded browser) against the shopfleet-api
// that scripts/web/e2e.sh starts; screenshots of each main page and failure traces are kept
// in test-results/.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: process.env.E2E_BASE_URL ?? "http://127.0.0.1:8000",
    browserName: "chromium",
    locale: "en-US",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // The test machine runs as root, where Chromium's sandbox cannot start.
      args: ["--no-sandbox"],
    },
  },
});
