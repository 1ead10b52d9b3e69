// One of the merchant's products: edit title, description and status (`PATCH`), its uploaded
// images, archive or delete it (`DELETE` archives instead when it was ordered), and its variants
// with links to adjust stock.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { Field, FormError, SelectField, fieldErrorsOf } from "../ui/form";
import { QueryView } from "../ui/states";
import { TextAreaField } from "./fields";
import { StatusBadge } from "./StatusBadge";
import { VariantsTable } from "./VariantsTable";
import { ProductImages } from "./ProductImages";
import { keys, useInvalidateCatalog, useProduct, type Product } from "./queries";
import { paths } from "./paths";

type ProductPatch = Schemas["ProductPatch"];
type ProductStatus = Schemas["ProductStatus"];

export function ProductPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation("merchant");
  const product = useProduct(id);
  const save = usePatchProduct(id);
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  return (
    <QueryView query={product}>
      {(p) => (
        <section aria-labelledby="product-heading">
          <div className="page-header">
            <h2 id="product-heading">
              {p.title} <StatusBadge status={p.status} />
            </h2>
            <Link to={paths.products}>{t("product.back")}</Link>
          </div>
          {notice === "created" && (
            <p className="form-success" role="status">
              {t("product.created")}
            </p>
          )}
          <EditProductForm key={p.id} product={p} save={save} />
          <ProductImages key={`images-${p.id}`} productId={p.id} />
          <h3>{t("product.variants")}</h3>
          <VariantsTable productId={p.id} />
          <DeleteProduct product={p} />
        </section>
      )}
    </QueryView>
  );
}

/** Saves a patch and keeps the caches (the product, the product lists and low stock) in step. */
function usePatchProduct(id: string) {
  const client = useQueryClient();
  const invalidate = useInvalidateCatalog();
  return useMutation({
    mutationFn: (body: ProductPatch) =>
      unwrap(api.PATCH("/api/v1/products/{id}", { params: { path: { id } }, body })),
    onSuccess: async (saved) => {
      client.setQueryData(keys.product(saved.id), saved);
      await invalidate();
    },
  });
}

function EditProductForm({ product, save }: { product: Product; save: ReturnType<typeof usePatchProduct> }) {
  const { t } = useTranslation("merchant");
  const [title, setTitle] = useState(product.title);
  const [description, setDescription] = useState(product.description);
  const [status, setStatus] = useState<ProductStatus>(product.status);
  // When the product changes on the server (saved here, or archived by a delete), show it as it is now.
  const [shown, setShown] = useState(product.updated_at);
  if (shown !== product.updated_at) {
    setShown(product.updated_at);
    setTitle(product.title);
    setDescription(product.description);
    setStatus(product.status);
  }
  const errors = fieldErrorsOf(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ title: title.trim(), description, status });
  };
  return (
    <form className="form card" onSubmit={submit} aria-labelledby="edit-heading">
      <h3 id="edit-heading">{t("product.edit")}</h3>
      <FormError error={save.error} />
      {save.isSuccess && (
        <p className="form-success" role="status">
          {t("product.saved")}
        </p>
      )}
      <Field
        label={t("product.title")}
        required
        maxLength={200}
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        error={errors.title}
      />
      <TextAreaField
        label={t("product.description")}
        maxLength={20000}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={errors.description}
      />
      <SelectField
        label={t("product.status")}
        value={status}
        onChange={(e) => setStatus(e.target.value as ProductStatus)}
        error={errors.status}
      >
        <option value="draft">{t("status.draft")}</option>
        <option value="published">{t("status.published")}</option>
        <option value="archived">{t("status.archived")}</option>
      </SelectField>
      <p className="hint">{t("product.statusHint")}</p>
      <div className="actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {t("product.save")}
        </button>
      </div>
    </form>
  );
}

/** Delete with a confirmation step; the API archives instead of deleting a product that was ordered. */
function DeleteProduct({ product }: { product: Product }) {
  const { t } = useTranslation("merchant");
  const navigate = useNavigate();
  const client = useQueryClient();
  const invalidate = useInvalidateCatalog();
  const [confirming, setConfirming] = useState(false);
  const start = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  // Keep keyboard focus on the control that replaced the one just pressed.
  useEffect(() => {
    if (confirming) cancel.current?.focus();
    else if (opened.current) start.current?.focus();
    opened.current ||= confirming;
  }, [confirming]);
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/products/{id}", { params: { path: { id: product.id } } })),
    onSuccess: async (archived) => {
      setConfirming(false);
      if (archived) {
        client.setQueryData(keys.product(archived.id), archived);
        await invalidate();
        return;
      }
      client.removeQueries({ queryKey: keys.product(product.id) });
      await invalidate();
      void navigate(paths.products, { state: { notice: "deleted" } });
    },
  });
  return (
    <section className="card danger-zone" aria-labelledby="delete-heading">
      <h3 id="delete-heading">{t("delete.heading")}</h3>
      <p className="muted">{t("delete.explain")}</p>
      <FormError error={remove.error} />
      {remove.isSuccess && remove.data && (
        <p className="form-success" role="status">
          {t("delete.archivedInstead")}
        </p>
      )}
      {confirming ? (
        <div className="actions" role="group" aria-label={t("delete.confirmGroup")}>
          <span>{t("delete.confirm", { title: product.title })}</span>
          <button type="button" className="button danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
            {t("delete.yes")}
          </button>
          <button ref={cancel} type="button" className="button secondary" onClick={() => setConfirming(false)}>
            {t("delete.cancel")}
          </button>
        </div>
      ) : (
        <button ref={start} type="button" className="button danger" onClick={() => setConfirming(true)}>
          {t("delete.start")}
        </button>
      )}
    </section>
  );
}
