// Fails when the storefront's first route ships more than the budget of JavaScript (gzip):
// the entry script plus every chunk index.html preloads. The consoles are separate chunks
// loaded on demand, so they do not count. Usage: node size-budget.mjs <dist> [budget KiB]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = process.argv[2] ?? "dist";
const budgetKiB = Number(process.argv[3] ?? 200);
const html = readFileSync(join(dist, "index.html"), "utf8");
const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
if (scripts.length === 0) throw new Error(`no script found in ${dist}/index.html`);
let total = 0;
for (const script of new Set(scripts)) {
  const size = gzipSync(readFileSync(join(dist, script)), { level: 9 }).length;
  total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(7)} KiB  ${script}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KiB  first route, gzip (budget ${budgetKiB} KiB)`);
if (total > budgetKiB * 1024) {
  console.error(`the first route's JavaScript is over budget: ${(total / 1024).toFixed(1)} KiB > ${budgetKiB} KiB`);
  process.exit(1);
}
