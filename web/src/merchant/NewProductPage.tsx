// Creating a product (`POST /api/v1/products`): details, category, attributes, images and one or
// more variants; the API's field errors (`variants[0].sku`) appear beside the matching field.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, ApiError } from "../api/client";
import { Field, FormError, SelectField, fieldErrorsOf } from "../ui/form";
import { RowsEditor, TextAreaField } from "./fields";
import { VariantFieldset } from "./VariantFieldset";
import { CategorySelect } from "./CategorySelect";
import {
  conflictErrors,
  emptyDraft,
  emptyImage,
  emptyPair,
  emptyVariant,
  toNewProduct,
  type FieldErrors,
  type ImageDraft,
  type NewProduct,
  type Pair,
  type ProductDraft,
} from "./productDraft";
import { useInvalidateCatalog } from "./queries";
import { paths } from "./paths";

/** Field errors of a failed create: the API's own, or a conflict placed on its field. */
function errorsOf(error: unknown, draft: ProductDraft): FieldErrors {
  if (error instanceof ApiError && error.status === 409) {
    return conflictErrors(error.code, error.problem.detail ?? "", draft);
  }
  return fieldErrorsOf(error);
}

export function NewProductPage() {
  const { t } = useTranslation("merchant");
  const navigate = useNavigate();
  const invalidate = useInvalidateCatalog();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<ProductDraft>(emptyDraft);
  const [clientErrors, setClientErrors] = useState<FieldErrors | null>(null);
  const create = useMutation({
    mutationFn: (body: NewProduct) => unwrap(api.POST("/api/v1/products", { body })),
    onSuccess: async (product) => {
      await invalidate(product.id);
      void navigate(paths.product(product.id), { state: { notice: "created" } });
    },
  });
  const errors = clientErrors ?? errorsOf(create.error, draft);

  // After a failed submit, take keyboard and screen-reader users to the first field to fix.
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [clientErrors, create.error]);

  const set = <K extends keyof ProductDraft>(field: K, value: ProductDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const converted = toNewProduct(draft, (key) => t(key));
    if (!converted.ok) {
      setClientErrors(converted.errors);
      return;
    }
    setClientErrors(null);
    create.mutate(converted.body);
  };

  return (
    <section aria-labelledby="new-product-heading">
      <div className="page-header">
        <h2 id="new-product-heading">{t("newProduct.heading")}</h2>
        <Link to={paths.products}>{t("newProduct.back")}</Link>
      </div>
      <form ref={form} className="form product-form" onSubmit={submit}>
        {clientErrors && (
          <div className="form-error" role="alert">
            {t("errors.fixFields")}
          </div>
        )}
        <FormError error={create.error} />
        <Field
          label={t("product.title")}
          required
          maxLength={200}
          value={draft.title}
          onChange={(e) => set("title", e.target.value)}
          error={errors.title}
        />
        <Field
          label={t("product.slug")}
          maxLength={120}
          pattern="[a-z0-9]+(-[a-z0-9]+)*"
          hint={t("product.slugHint")}
          value={draft.slug}
          onChange={(e) => set("slug", e.target.value)}
          error={errors.slug}
        />
        <TextAreaField
          label={t("product.description")}
          maxLength={20000}
          value={draft.description}
          onChange={(e) => set("description", e.target.value)}
          error={errors.description}
        />
        <CategorySelect value={draft.category} onChange={(slug) => set("category", slug)} error={errors.category} />
        <SelectField
          label={t("product.status")}
          value={draft.status}
          onChange={(e) => set("status", e.target.value as ProductDraft["status"])}
          error={errors.status}
        >
          <option value="draft">{t("status.draft")}</option>
          <option value="published">{t("status.published")}</option>
        </SelectField>
        <RowsEditor<Pair>
          legend={t("product.attributes")}
          rowLabel={(n) => t("product.attributeRow", { n })}
          addLabel={t("product.addAttribute")}
          rows={draft.attributes}
          columns={[
            { field: "name", apiField: "name", label: t("pairs.name") },
            { field: "value", apiField: "value", label: t("pairs.value") },
          ]}
          create={emptyPair}
          onChange={(rows) => set("attributes", rows)}
          path="attributes"
          errors={errors}
        />
        <RowsEditor<ImageDraft>
          legend={t("product.images")}
          rowLabel={(n) => t("product.imageRow", { n })}
          addLabel={t("product.addImage")}
          rows={draft.images}
          columns={[
            { field: "url", apiField: "url", label: t("product.imageUrl"), input: { type: "url", required: true } },
            { field: "alt", apiField: "alt", label: t("product.imageAlt") },
          ]}
          create={emptyImage}
          onChange={(rows) => set("images", rows)}
          path="images"
          errors={errors}
        />
        <VariantsEditor draft={draft} errors={errors} onChange={(variants) => set("variants", variants)} />
        <div className="actions">
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? t("newProduct.saving") : t("newProduct.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}

function VariantsEditor({
  draft,
  errors,
  onChange,
}: {
  draft: ProductDraft;
  errors: FieldErrors;
  onChange: (variants: ProductDraft["variants"]) => void;
}) {
  const { t } = useTranslation("merchant");
  const { variants } = draft;
  const add = useRef<HTMLButtonElement>(null);
  const remove = (index: number) => {
    onChange(variants.filter((_, j) => j !== index));
    add.current?.focus();
  };
  return (
    <section aria-labelledby="variants-heading">
      <h3 id="variants-heading">{t("product.variants")}</h3>
      {errors.variants && (
        <p className="field-error" role="alert">
          {errors.variants}
        </p>
      )}
      {variants.map((variant, i) => (
        <VariantFieldset
          key={variant.key}
          index={i}
          variant={variant}
          errors={errors}
          onChange={(changed) => onChange(variants.map((v, j) => (j === i ? changed : v)))}
          onRemove={variants.length > 1 ? () => remove(i) : undefined}
        />
      ))}
      <button
        ref={add}
        type="button"
        className="button secondary"
        onClick={() => onChange([...variants, emptyVariant(variants.at(-1)?.currency)])}
      >
        {t("product.addVariant")}
      </button>
    </section>
  );
}
