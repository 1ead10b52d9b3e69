// English and Simplified Chinese. The language comes from the shopper's earlier choice, else
// the browser's languages; each area (storefront, merchant, admin) registers its own
// namespace of messages so a console's strings load with the console.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { zh } from "./zh";

export const LANGUAGES = [
  { code: "en", label: "English" },
  { code: "zh", label: "简体中文" },
] as const;
export type Language = (typeof LANGUAGES)[number]["code"];

const KEY = "shopfleet.language";

export function detectLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored === "en" || stored === "zh") return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "zh") return "zh";
    if (base === "en") return "en";
  }
  return "en";
}

/** BCP 47 tag for Intl formatting of the current language. */
export function localeOf(language: string): string {
  return language === "zh" ? "zh-CN" : "en-US";
}

export function chooseLanguage(language: Language): void {
  localStorage.setItem(KEY, language);
  void i18n.changeLanguage(language);
}

/** Registers an area's messages (e.g. the merchant console's) under its namespace. */
export function addMessages(namespace: string, messages: { en: object; zh: object }): void {
  i18n.addResourceBundle("en", namespace, messages.en, true, true);
  i18n.addResourceBundle("zh", namespace, messages.zh, true, true);
}

void i18n.use(initReactI18next).init({
  lng: detectLanguage(globalThis.localStorage?.getItem(KEY) ?? null, globalThis.navigator?.languages ?? []),
  fallbackLng: "en",
  defaultNS: "common",
  resources: { en: { common: en }, zh: { common: zh } },
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18n.on("languageChanged", (language) => {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
});
document.documentElement.lang = i18n.language === "zh" ? "zh-CN" : "en";

export default i18n;
