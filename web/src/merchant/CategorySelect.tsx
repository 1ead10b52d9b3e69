// The category picker of the product form: the category tree (`GET /api/v1/categories`) as
// "Parent › Child" options whose value is the slug the API expects.
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { SelectField } from "../ui/form";
import { useCategories } from "./queries";

type Category = Schemas["Category"];

/** "Clothing › Shoes" for each category, following `parent_id` up to the root. */
export function categoryLabels(categories: Category[]): Map<string, string> {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const labels = new Map<string, string>();
  for (const category of categories) {
    const names: string[] = [];
    const seen = new Set<string>();
    for (let at: Category | undefined = category; at && !seen.has(at.id); at = byId.get(at.parent_id ?? "")) {
      seen.add(at.id);
      names.unshift(at.name);
    }
    labels.set(category.id, names.join(" › "));
  }
  return labels;
}

interface Props {
  value: string;
  onChange: (slug: string) => void;
  error?: string | undefined;
}

export function CategorySelect({ value, onChange, error }: Props) {
  const { t } = useTranslation("merchant");
  const categories = useCategories();
  const labels = categoryLabels(categories.data ?? []);
  const unavailable = categories.isPending ? t("product.categoryLoading") : t("product.categoryFailed");
  return (
    <SelectField
      label={t("product.category")}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error ?? (categories.error ? unavailable : undefined)}
      aria-busy={categories.isPending || undefined}
    >
      <option value="">{categories.data ? t("product.noCategory") : unavailable}</option>
      {(categories.data ?? []).map((c) => (
        <option key={c.id} value={c.slug}>
          {labels.get(c.id)}
        </option>
      ))}
    </SelectField>
  );
}
