// One variant of the new-product form: SKU, options, price (typed as a decimal), currency,
// compare-at price, stock, low-stock threshold and weight, each with the API's limits and error.
import { useTranslation } from "react-i18next";
import { Field } from "../ui/form";
import { minorDigits } from "../lib/money";
import { RowsEditor } from "./fields";
import { CURRENCY_PATTERN, emptyPair, type FieldErrors, type Pair, type VariantDraft } from "./productDraft";

/** The HTML pattern of a price in `currency`: as many decimals as its minor unit has. */
export function pricePattern(currency: string): string {
  const digits = CURRENCY_PATTERN.test(currency) ? minorDigits(currency) : 2;
  return digits === 0 ? "\\d+" : `\\d+(\\.\\d{1,${digits}})?`;
}

interface Props {
  index: number;
  variant: VariantDraft;
  errors: FieldErrors;
  onChange: (variant: VariantDraft) => void;
  onRemove?: (() => void) | undefined;
}

export function VariantFieldset({ index, variant, errors, onChange, onRemove }: Props) {
  const { t } = useTranslation("merchant");
  const path = `variants[${index}]`;
  const error = (field: string) => errors[`${path}.${field}`];
  const text = (field: keyof VariantDraft) => ({
    value: variant[field] as string,
    onChange: (e: { target: { value: string } }) => onChange({ ...variant, [field]: e.target.value }),
  });
  const pattern = pricePattern(variant.currency);
  const label = t("variant.legend", { n: index + 1 });
  return (
    <fieldset className="card variant-fieldset">
      <legend>{label}</legend>
      <div className="form-row">
        <Field
          label={t("variant.sku")}
          required
          maxLength={64}
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
          autoComplete="off"
          hint={t("variant.skuHint")}
          error={error("sku")}
          {...text("sku")}
        />
        <Field
          label={t("variant.price")}
          required
          inputMode="decimal"
          pattern={pattern}
          hint={t("variant.priceHint")}
          error={error("price_minor")}
          {...text("price")}
        />
        <Field
          label={t("variant.currency")}
          required
          minLength={3}
          maxLength={3}
          pattern="[A-Z]{3}"
          autoComplete="off"
          hint={t("variant.currencyHint")}
          error={error("currency")}
          {...text("currency")}
        />
        <Field
          label={t("variant.compareAt")}
          inputMode="decimal"
          pattern={pattern}
          error={error("compare_at_minor")}
          {...text("compareAt")}
        />
      </div>
      <div className="form-row">
        <Field
          label={t("variant.onHand")}
          type="number"
          required
          min={0}
          max={100_000_000}
          step={1}
          error={error("on_hand")}
          {...text("onHand")}
        />
        <Field
          label={t("variant.lowStockThreshold")}
          type="number"
          min={0}
          max={2_147_483_647}
          step={1}
          error={error("low_stock_threshold")}
          {...text("lowStockThreshold")}
        />
        <Field
          label={t("variant.weight")}
          type="number"
          min={0}
          max={10_000_000}
          step={1}
          error={error("weight_grams")}
          {...text("weight")}
        />
      </div>
      <RowsEditor<Pair>
        legend={t("variant.options")}
        rowLabel={(n) => t("variant.optionRow", { variant: index + 1, n })}
        addLabel={t("variant.addOption")}
        rows={variant.options}
        columns={[
          { field: "name", apiField: "name", label: t("pairs.name") },
          { field: "value", apiField: "value", label: t("pairs.value") },
        ]}
        create={emptyPair}
        onChange={(options) => onChange({ ...variant, options })}
        path={`${path}.options`}
        errors={errors}
      />
      {onRemove && (
        <div className="actions">
          <button type="button" className="button danger" onClick={onRemove}>
            {t("variant.remove", { n: index + 1 })}
          </button>
        </div>
      )}
    </fieldset>
  );
}
