// Remembers (in localStorage, per merchant) the ids of this merchant's drafts and archived products,
// because the product listing shows published products only and they would otherwise be lost.
const MAX = 200;

const keyOf = (merchant: string) => `shopfleet.merchant.${merchant}.unlisted`;

export function rememberedUnlisted(merchant: string): string[] {
  try {
    const parsed: unknown = JSON.parse(globalThis.localStorage?.getItem(keyOf(merchant)) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function store(merchant: string, ids: string[]): void {
  globalThis.localStorage?.setItem(keyOf(merchant), JSON.stringify(ids.slice(0, MAX)));
}

/** Keeps `id` findable while the product is not published (newest first). */
export function rememberUnlisted(merchant: string, id: string): void {
  store(merchant, [id, ...rememberedUnlisted(merchant).filter((known) => known !== id)]);
}

export function forgetUnlisted(merchant: string, id: string): void {
  store(merchant, rememberedUnlisted(merchant).filter((known) => known !== id));
}
