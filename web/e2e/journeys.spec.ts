// One order's life through the web app, as its three kinds of users live it: a shopper
// registers, searches with a typo, filters, adds two variants, tries an unknown promotion
// code and then WELCOME10, checks out with Standard shipping (prices include German VAT) and
// pays with the 3-D Secure card; the merchant ships a line with tracking; the shopper sees it shipped; the
// merchant uploads an image of the product, which the storefront then shows as a responsive
// <picture>; an admin refunds part of the order and replays a dead letter. Runs serially: each
// step builds on the last.
import { execFileSync } from "node:child_process";
import { test, expect, env, capture, expectRefusal, signIn, signOut } from "./fixtures";

test.describe.configure({ mode: "serial" });

const shopper = { email: `shopper-${Date.now()}@e2e.shopfleet.dev`, password: "a long enough passphrase 42" };
let orderId = "";
let orderNumber = "";
let merchantEmail = "";
let productId = "";

/** A valid 40×30 RGB PNG (blue and orange halves), small enough to inline. */
const SWATCH_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAACgAAAAeCAIAAADRv8uKAAAA2UlEQVR42p3N0WbCAQDF4Z6km/M+PclkZpLMTGaS1KQlW/7aZDEiIiJijDEiIiLGnuHc7zzDj+/+K5UrHczvwkrlSg/zVFjiPuY3YYmfME+EJR5hLoQlfsE8Fpa4wPwsLPEr5pGwxFPMQ2GJZ5gHwhJ/YO4LSzzH/Cgs8QJzV1jiJeaOsMQrzG1hideYW8ISbzA/CEu8xXwvLPEn5qawxF+Y74Ql/sZ8KyzxD+YbYYl3mBvCEu8x14UlPmCuCUt8xHwtLPEJ85WwxGfMl8IS/2KuCkv8h/lC2D/MJnznbejoxAAAAABJRU5ErkJggg==";

test("the storefront is browsable signed out, in English and Chinese", async ({ page }, testInfo) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Welcome to Shopfleet" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "New arrivals" })).toBeVisible();
  await capture(page, testInfo, "home");

  await page.getByRole("link", { name: "Catalog" }).click();
  await expect(page.getByRole("heading", { name: "All products" })).toBeVisible();
  const first = page.locator(".product-card").first();
  await expect(first).toBeVisible();
  const before = await page.locator(".product-card").count();
  await page.getByRole("button", { name: "Load more" }).click();
  await expect.poll(() => page.locator(".product-card").count()).toBeGreaterThan(before);
  await capture(page, testInfo, "catalog");

  await page.getByLabel("Language").selectOption("zh");
  await expect(page.getByRole("heading", { name: "全部商品" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.locator(".price").first()).toContainText("€");
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByRole("heading", { name: "All products" })).toBeVisible();
});

test("a shopper registers, finds products despite a typo, filters, uses a code, chooses shipping and pays with 3-D Secure", async ({ page, request }, testInfo) => {
  await page.goto("/register");
  await page.getByLabel("E-mail").fill(shopper.email);
  await page.getByLabel("Password").fill(shopper.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

  // Search with a typo ("sneakrs"), then narrow to the shoes category with its facet.
  await page.getByLabel("Search the shop").fill("sneakrs");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("heading", { name: /results? for “sneakrs”/ })).toBeVisible();
  await expect(page.locator(".product-card .product-title").first()).toContainText("Sneakers");
  await page.getByRole("complementary").getByRole("link", { name: "shoes" }).click();
  await expect(page).toHaveURL(/category=shoes/);
  await capture(page, testInfo, "search");

  // A pair of sneakers with two sizes in stock, among the filtered results.
  const found = await (await request.get("/api/v1/search?q=sneakrs&category=shoes&limit=24")).json();
  const product = found.items.find((p: { variant_count: number; in_stock: boolean }) => p.variant_count >= 2 && p.in_stock);
  expect(product, "sneakers in two sizes").toBeTruthy();
  merchantEmail = await merchantOf(request, product.merchant_id);
  productId = product.id;
  await page.locator(".product-card").filter({ has: page.locator(`a[href="/products/${product.id}"]`) }).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(product.title);
  await capture(page, testInfo, "product");

  const sizes = page.getByRole("group", { name: "Choose an option" }).getByRole("radio");
  const inStock = page.getByRole("group", { name: "Choose an option" }).locator("label:not(:has(.stock-out)) input");
  expect(await sizes.count()).toBeGreaterThanOrEqual(2);
  for (const index of [0, 1]) {
    await inStock.nth(index).check();
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect(page.getByText("Added to your cart.")).toBeVisible();
  }
  await page.getByRole("link", { name: /^Cart/ }).click();
  await expect(page.getByRole("table", { name: "Your cart" }).getByRole("row")).toHaveCount(3);
  // No address yet: the cart cannot be priced with shipping and tax.
  await expect(page.getByText("Shipping and tax are calculated at checkout.")).toBeVisible();

  // A code the shop does not know is refused beside the field; WELCOME10 is applied.
  expectRefusal(page, 422, "POST", "/api/v1/cart/code");
  await page.getByLabel("Promotion code").fill("NOSUCHCODE");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("There is no such code. Check its spelling.")).toBeVisible();
  await expect(page.getByLabel("Promotion code")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Promotion code").fill("WELCOME10");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("Code WELCOME10 applied")).toBeVisible();
  await capture(page, testInfo, "cart");

  await page.getByRole("link", { name: "Checkout" }).click();
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Address", { exact: true }).fill("12 Analytical Street");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByLabel("City").fill("Berlin");
  await page.getByLabel("Country").fill("DE");
  await page.getByRole("button", { name: "Save address" }).click();
  await expect(page.getByRole("radio", { name: /Ada Lovelace/ })).toBeChecked();

  // Priced at the German address: its methods, the code's 10 % off and the VAT the prices contain.
  const methods = page.getByRole("group", { name: "Shipping method" });
  const standard = methods.getByRole("radio", { name: /^Standard/ });
  await expect(standard).toBeVisible();
  await expect(methods.getByRole("radio", { name: /^Express/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Place order" })).toBeDisabled();
  const standardPrice = (await methods.locator("label", { has: page.getByRole("radio", { name: /^Standard/ }) }).locator(".method-price").textContent())!.trim();
  expect(standardPrice).toMatch(/^(Free|€\d+\.\d\d)$/);
  await standard.click();
  await expect(standard).toBeChecked();
  const breakdown = page.getByRole("complementary", { name: "Order summary" }).getByRole("table", { name: "Price breakdown" });
  await expect(breakdown.getByRole("row", { name: /^Shipping \(Standard\)/ }).getByRole("cell")).toHaveText(standardPrice);
  const amount = async (row: RegExp) => (await breakdown.getByRole("row", { name: row }).getByRole("cell").textContent())!.trim();
  const subtotal = euros(await amount(/^Subtotal/));
  const discount = await amount(/^Discount \(WELCOME10\)/);
  expect(Math.abs(euros(discount) + subtotal / 10)).toBeLessThanOrEqual(0.01);
  await expect(breakdown.getByRole("row", { name: /^incl\. 19 % VAT/ })).toBeVisible();
  const total = await amount(/^Total/);
  const shipping = standardPrice === "Free" ? 0 : euros(standardPrice);
  expect(euros(total)).toBeCloseTo(subtotal + euros(discount) + shipping, 2);
  await expect(page.getByRole("button", { name: "Place order" })).toBeEnabled();
  await capture(page, testInfo, "checkout");
  await page.getByRole("button", { name: "Place order" }).click();

  const heading = page.getByRole("heading", { level: 1, name: /^Order #\d+$/ });
  await expect(heading).toBeVisible();
  orderNumber = (await heading.textContent())!.replace("Order #", "");
  orderId = page.url().split("/orders/")[1]!;
  await expect(page.locator(".page-header .status")).toHaveText("Awaiting payment");
  // The order keeps the breakdown it was placed with.
  const placed = page.getByRole("table", { name: "Price breakdown" });
  await expect(placed.getByRole("row", { name: /^Discount \(WELCOME10\)/ }).getByRole("cell")).toHaveText(discount);
  await expect(placed.getByRole("row", { name: /^Shipping \(Standard\)/ }).getByRole("cell")).toHaveText(standardPrice);
  await expect(placed.getByRole("row", { name: /^Total/ }).getByRole("cell")).toHaveText(total);
  await expect(placed.getByRole("row", { name: /^incl\. 19 % VAT/ })).toBeVisible();
  await expect(page.getByText(/^Shipping method: Standard \(/)).toBeVisible();

  await page.getByLabel("Card number").fill("4000 0027 6000 3184");
  await page.getByLabel("Expiry (MM/YY)").fill("12/34");
  await page.getByLabel("Security code").fill("123");
  await page.getByRole("button", { name: "Pay now" }).click();
  await expect(page.getByRole("dialog", { name: /3-D Secure/ })).toBeVisible();
  await page.getByRole("button", { name: "Approve payment" }).click();
  await expect(page.getByText("Payment received. Thank you!")).toBeVisible();
  await expect(page.locator(".page-header .status")).toHaveText("Paid");
  await capture(page, testInfo, "order-paid");

  await page.getByRole("link", { name: "Orders" }).click();
  await expect(page.getByRole("link", { name: `#${orderNumber}` })).toBeVisible();
  await signOut(page);
});

test("the merchant ships a line with tracking and the shopper sees it shipped", async ({ page }, testInfo) => {
  await signIn(page, merchantEmail, env.demoPassword);
  await page.getByRole("link", { name: "Merchant console" }).click();
  await page.goto("/merchant/orders");
  const order = page.getByRole("region", { name: new RegExp(`Order #${orderNumber}\\b`) });
  await expect(order).toBeVisible();
  await capture(page, testInfo, "merchant-orders");
  await order.getByLabel("Carrier").fill("DHL");
  await order.getByLabel("Tracking number").fill("JD014600006281234567");
  await order.getByRole("button", { name: "Ship" }).click();
  await expect(order.getByText("JD014600006281234567").first()).toBeVisible();
  await signOut(page);

  await signIn(page, shopper.email, shopper.password);
  await page.goto(`/orders/${orderId}`);
  await expect(page.getByText("DHL tracking JD014600006281234567").first()).toBeVisible();
  await expect(page.getByRole("cell", { name: /Shipped/ }).first()).toBeVisible();
  await capture(page, testInfo, "order-shipped");
  await signOut(page);
});

test("the merchant uploads an image of the product and the storefront shows it as a <picture>", async ({ page, request }, testInfo) => {
  await signIn(page, merchantEmail, env.demoPassword);
  await page.goto(`/merchant/products/${productId}`);
  const images = page.getByRole("region", { name: "Images", exact: true });
  const file = images.getByLabel("Upload image", { exact: true });
  await expect(file).toBeVisible();
  await file.setInputFiles({ name: "e2e-swatch.png", mimeType: "image/png", buffer: Buffer.from(SWATCH_PNG, "base64") });
  await images.getByLabel("Alt text", { exact: true }).fill("Blue and orange swatch");
  const uploaded = page.waitForResponse(
    (response) => response.request().method() === "POST" && new URL(response.url()).pathname === `/api/v1/products/${productId}/images`,
  );
  await images.getByRole("button", { name: "Upload", exact: true }).click();
  const response = await uploaded;
  expect(response.status()).toBe(202);
  const image = (await response.json()) as { id: string; status: string };
  expect(image.status).toBe("processing");

  // The console polls the list every 2 s until the worker has rendered the image.
  const item = images.locator(`article[aria-labelledby="image-${image.id}-heading"]`);
  await expect(item).toBeVisible();
  await expect(item.locator(".status")).toHaveText("Ready", { timeout: 30_000 });
  await expect(item.locator(".image-thumb img")).toHaveAttribute("src", /^\/api\/v1\/media\/renditions\/[^/]+\/40\.jpg$/);
  await capture(page, testInfo, "merchant-images");

  // The product JSON lists it among the ready media; the product page shows the first one.
  const product = (await (await request.get(`/api/v1/products/${productId}`)).json()) as { media: { id: string }[] };
  expect(product.media.map((m) => m.id)).toContain(image.id);
  await page.goto(`/products/${productId}`);
  const picture = page.locator(".product-hero picture").first();
  await expect(picture.locator('source[type="image/webp"]')).toHaveAttribute("srcset", /\/api\/v1\/media\/renditions\/\S+\.webp \d+w/);
  const img = picture.locator("img");
  await expect(img).toHaveAttribute("srcset", /\/api\/v1\/media\/renditions\/\S+\.jpg \d+w/);
  await expect(img).toHaveAttribute("loading", "eager");
  await expect(img).toHaveAttribute("width", /^\d+$/);
  if (product.media[0]?.id === image.id) await expect(img).toHaveAttribute("alt", "Blue and orange swatch");
  // A rendition was served and decoded.
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
  await capture(page, testInfo, "product-picture");
  await signOut(page);
});

test("an admin refunds part of the order and replays a dead letter", async ({ page }, testInfo) => {
  await signIn(page, env.adminEmail, env.adminPassword);
  await page.getByRole("link", { name: "Admin console" }).click();
  await page.goto(`/admin/orders/${orderId}`);
  await expect(page.getByRole("heading", { name: new RegExp(`Order #${orderNumber}\\b`) })).toBeVisible();
  await page.getByLabel("Refund amount").fill("5.00");
  await page.getByLabel("Reason").fill("box arrived damaged");
  await page.getByRole("button", { name: "Refund" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Refunded €5.00." })).toBeVisible();
  await capture(page, testInfo, "admin-order");

  // A handler gave up on an event: the worker records a dead letter like this one, with the
  // event as it was delivered (the outbox row itself left as the worker took it).
  psql(
    `INSERT INTO dead_letters (id, handler, event_id, event, error, attempts)
     SELECT gen_random_uuid(), 'email', e.id,
            jsonb_build_object('id', e.id, 'type', 'order.paid', 'version', 1, 'occurred_at', now(),
                               'aggregate', 'order', 'aggregate_id', o.id::text,
                               'data', jsonb_build_object('order_id', o.id, 'user_id', o.user_id, 'from', 'pending_payment',
                                                          'to', 'paid', 'reason', 'payment succeeded',
                                                          'amount_minor', o.total_minor, 'currency', o.currency)),
            'smtp: connection refused', 5
     FROM orders o, (SELECT gen_random_uuid() AS id) e WHERE o.id = '${orderId}'`,
  );
  await page.goto("/admin/events");
  await expect(page.getByText("smtp: connection refused")).toBeVisible();
  await capture(page, testInfo, "admin-events");
  await page.getByRole("button", { name: "Replay" }).first().click();
  await expect(page.getByText("Replay requested").first()).toBeVisible();
  await expect.poll(() => psql("SELECT count(*) FROM dead_letters WHERE replay_requested_at IS NOT NULL OR replayed_at IS NOT NULL")).toBe("1");
  // The worker picks the replay up and delivers the event again.
  await expect.poll(() => psql("SELECT count(*) FROM dead_letters WHERE replayed_at IS NOT NULL"), { timeout: 30_000 }).toBe("1");
});

/** "€1,234.56" or "-€6.00" as a number of euros. */
function euros(text: string): number {
  return Number(text.replace(/[^\d.-]/g, ""));
}

function psql(sql: string): string {
  return execFileSync("psql", [env.databaseUrl, "-tAc", sql], { encoding: "utf8" }).trim();
}

async function merchantOf(request: import("@playwright/test").APIRequestContext, merchantId: string): Promise<string> {
  const token = await (
    await request.post("/api/v1/auth/token", { data: { grant_type: "password", username: env.adminEmail, password: env.adminPassword } })
  ).json();
  const users = await (
    await request.get("/api/v1/admin/users?role=merchant&limit=100", { headers: { Authorization: `Bearer ${token.access_token}` } })
  ).json();
  const merchant = users.items.find((u: { id: string }) => u.id === merchantId);
  expect(merchant, "the product's merchant").toBeTruthy();
  return merchant.email;
}
