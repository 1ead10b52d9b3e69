// Pure helpers: money in minor units per currency and locale, search highlights as text,
// language detection, and turning API errors into field messages.
import { describe, expect, it } from "vitest";
import { formatMoney, formatRate, minorDigits, parseMoney } from "../src/lib/money";
import { highlightParts } from "../src/lib/highlight";
import { detectLanguage } from "../src/i18n";
import { toApiError } from "../src/api/problem";
import { safeNext } from "../src/storefront/SignInPage";

describe("money", () => {
  it("formats minor units with the currency's own decimals", () => {
    expect(formatMoney(123456, "EUR", "en-US")).toBe("€1,234.56");
    expect(formatMoney(1500, "JPY", "en-US")).toBe("¥1,500");
    expect(formatMoney(123456, "CNY", "zh-CN")).toBe("¥1,234.56");
    expect(formatMoney(5, "EUR", "de-DE")).toBe("0,05\u00a0€");
    expect(minorDigits("KWD")).toBe(3);
  });

  it("parses typed prices exactly, without floating-point drift", () => {
    expect(parseMoney("19.99", "EUR")).toBe(1999);
    expect(parseMoney("0.1", "EUR")).toBe(10);
    expect(parseMoney(" 7 ", "EUR")).toBe(700);
    expect(parseMoney("1500", "JPY")).toBe(1500);
    expect(parseMoney("15.5", "JPY")).toBeNull();
    expect(parseMoney("1.234", "EUR")).toBeNull();
    expect(parseMoney("-3", "EUR")).toBeNull();
    expect(parseMoney("abc", "EUR")).toBeNull();
  });

  it("formats tax rates in basis points as percent numbers", () => {
    expect(formatRate(1900, "en-US")).toBe("19");
    expect(formatRate(550, "en-US")).toBe("5.5");
    expect(formatRate(550, "de-DE")).toBe("5,5");
    expect(formatRate(0, "zh-CN")).toBe("0");
  });
});

describe("highlights", () => {
  it("splits marked words and decodes entities, so markup in data stays text", () => {
    expect(highlightParts("Warm <mark>jacket</mark> &amp; &lt;b&gt;hat")).toEqual([
      { text: "Warm ", marked: false },
      { text: "jacket", marked: true },
      { text: " & <b>hat", marked: false },
    ]);
    expect(highlightParts("")).toEqual([]);
  });
});

describe("language", () => {
  it("prefers the stored choice, then the browser's languages, then English", () => {
    expect(detectLanguage("zh", ["en-US"])).toBe("zh");
    expect(detectLanguage(null, ["fr-FR", "zh-Hans-CN", "en"])).toBe("zh");
    expect(detectLanguage(null, ["en-GB", "zh-CN"])).toBe("en");
    expect(detectLanguage("xx", ["de"])).toBe("en");
  });
});

describe("API errors", () => {
  it("keeps the problem's detail and field errors by path", () => {
    const error = toApiError(422, {
      type: "https://shopfleet.dev/problems/validation_failed",
      title: "Validation failed",
      status: 422,
      code: "validation_failed",
      detail: "1 field is invalid",
      errors: [{ field: "card.number", message: "is not a valid card number" }],
    });
    expect(error.message).toBe("1 field is invalid");
    expect(error.fieldErrors).toEqual({ "card.number": "is not a valid card number" });
  });

  it("reads OAuth token errors too", () => {
    const error = toApiError(400, { error: "invalid_grant", error_description: "wrong e-mail or password" });
    expect(error.code).toBe("invalid_grant");
    expect(error.message).toBe("wrong e-mail or password");
  });
});

describe("sign-in redirect", () => {
  it("follows only same-site paths", () => {
    expect(safeNext("/checkout")).toBe("/checkout");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
