// One variant's inventory: its stock, the adjustment form (restock adds units, correction sets the
// counted on-hand stock) and the audit trail (`/api/v1/variants/{id}/inventory-adjustments`).
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { Field, FormError, SelectField, fieldErrorsOf } from "../ui/form";
import { useLocale } from "../ui/Money";
import { Empty, QueryView } from "../ui/states";
import { formatDate } from "../lib/money";
import { StockCell } from "./StockCell";
import { keys, useInvalidateCatalog, useProduct, useStockHistory, useVariants, type Variant } from "./queries";
import { paths } from "./paths";

type Kind = Schemas["AdjustmentKind"];
const MAX_ON_HAND = 100_000_000;

export function InventoryPage() {
  const { id = "", variantId = "" } = useParams();
  const { t } = useTranslation("merchant");
  const product = useProduct(id);
  const variants = useVariants(id);
  return (
    <section aria-labelledby="inventory-heading">
      <div className="page-header">
        <h2 id="inventory-heading">
          {t("inventory.heading")}
          {product.data && `: ${product.data.title}`}
        </h2>
        <Link to={paths.product(id)}>{t("inventory.back")}</Link>
      </div>
      <QueryView query={variants}>
        {(items) => {
          const variant = items.find((v) => v.id === variantId);
          if (!variant) return <Empty>{t("inventory.noVariant")}</Empty>;
          return (
            <>
              <StockSummary variant={variant} />
              <AdjustmentForm productId={id} variant={variant} />
              <StockHistory variantId={variant.id} />
            </>
          );
        }}
      </QueryView>
    </section>
  );
}

function StockSummary({ variant }: { variant: Variant }) {
  const { t } = useTranslation("merchant");
  return (
    <table className="table stock-summary">
      <caption className="visually-hidden">{t("inventory.summary", { sku: variant.sku })}</caption>
      <thead>
        <tr>
          <th scope="col">{t("variant.sku")}</th>
          <th scope="col" className="num">
            {t("variant.onHand")}
          </th>
          <th scope="col" className="num">
            {t("variants.reserved")}
          </th>
          <th scope="col" className="num">
            {t("variants.available")}
          </th>
          <th scope="col" className="num">
            {t("variant.lowStockThreshold")}
          </th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">{variant.sku}</th>
          <td className="num">{variant.on_hand}</td>
          <td className="num">{variant.reserved}</td>
          <StockCell variant={variant} />
          <td className="num">{variant.low_stock_threshold ?? "—"}</td>
        </tr>
      </tbody>
    </table>
  );
}

function AdjustmentForm({ productId, variant }: { productId: string; variant: Variant }) {
  const { t } = useTranslation("merchant");
  const client = useQueryClient();
  const invalidate = useInvalidateCatalog();
  const [kind, setKind] = useState<Kind>("restock");
  const [quantity, setQuantity] = useState("");
  const [reason, setReason] = useState("");
  const adjust = useMutation({
    mutationFn: (body: Schemas["NewAdjustment"]) =>
      unwrap(api.POST("/api/v1/variants/{id}/inventory-adjustments", { params: { path: { id: variant.id } }, body })),
    onSuccess: async () => {
      setQuantity("");
      setReason("");
      await Promise.all([client.invalidateQueries({ queryKey: keys.history(variant.id) }), invalidate(productId)]);
    },
  });
  const errors = fieldErrorsOf(adjust.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    adjust.mutate({ kind, quantity: Number(quantity), reason: reason.trim() });
  };
  return (
    <form className="form card" onSubmit={submit} aria-labelledby="adjust-heading">
      <h3 id="adjust-heading">{t("inventory.adjust")}</h3>
      <FormError error={adjust.error} />
      {adjust.data && (
        <p className="form-success" role="status">
          {t("inventory.adjusted", { before: adjust.data.on_hand_before, after: adjust.data.on_hand_after })}
        </p>
      )}
      <SelectField label={t("inventory.kind")} value={kind} onChange={(e) => setKind(e.target.value as Kind)} error={errors.kind}>
        <option value="restock">{t("kind.restock")}</option>
        <option value="correction">{t("kind.correction")}</option>
      </SelectField>
      <Field
        label={t("inventory.quantity")}
        type="number"
        required
        min={kind === "restock" ? 1 : 0}
        max={MAX_ON_HAND}
        step={1}
        hint={kind === "restock" ? t("inventory.restockHint") : t("inventory.correctionHint")}
        value={quantity}
        onChange={(e) => setQuantity(e.target.value)}
        error={errors.quantity}
      />
      <Field
        label={t("inventory.reason")}
        required
        maxLength={500}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        error={errors.reason}
      />
      <div className="actions">
        <button type="submit" className="button" disabled={adjust.isPending}>
          {t("inventory.submit")}
        </button>
      </div>
    </form>
  );
}

function StockHistory({ variantId }: { variantId: string }) {
  const { t } = useTranslation("merchant");
  const locale = useLocale();
  const history = useStockHistory(variantId);
  return (
    <section aria-labelledby="history-heading">
      <h3 id="history-heading">{t("history.heading")}</h3>
      <QueryView query={history}>
        {(rows) =>
          rows.length === 0 ? (
            <Empty>{t("history.empty")}</Empty>
          ) : (
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t("history.when")}</th>
                    <th scope="col">{t("inventory.kind")}</th>
                    <th scope="col" className="num">
                      {t("history.change")}
                    </th>
                    <th scope="col" className="num">
                      {t("history.beforeAfter")}
                    </th>
                    <th scope="col">{t("inventory.reason")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.id}>
                      <td>{formatDate(row.created_at, locale)}</td>
                      <td>{t(`kind.${row.kind}`)}</td>
                      <td className="num">{signed(row.on_hand_after - row.on_hand_before)}</td>
                      <td className="num">
                        {row.on_hand_before} → {row.on_hand_after}
                      </td>
                      <td>{row.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}

/** "+5", "−3", "0" */
function signed(n: number): string {
  if (n > 0) return `+${n}`;
  return n < 0 ? `−${-n}` : "0";
}
