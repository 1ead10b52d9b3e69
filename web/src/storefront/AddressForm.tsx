// A postal address form with the API's limits; the API's field errors appear beside fields.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { Field, FormError, fieldErrorsOf } from "../ui/form";

type AddressInput = Schemas["AddressInput"];

const EMPTY: AddressInput = { full_name: "", line1: "", line2: "", city: "", region: "", postal_code: "", country: "", phone: "", label: "", is_default: false };

export function AddressForm({
  initial,
  submitLabel,
  onSubmit,
  error,
  pending,
}: {
  initial?: Partial<AddressInput>;
  submitLabel: string;
  onSubmit: (address: AddressInput) => void;
  error: unknown;
  pending: boolean;
}) {
  const { t } = useTranslation();
  const [address, setAddress] = useState<AddressInput>({ ...EMPTY, ...initial });
  const errors = fieldErrorsOf(error);
  const set = (name: keyof AddressInput) => (event: React.ChangeEvent<HTMLInputElement>) =>
    setAddress((a) => ({ ...a, [name]: name === "is_default" ? event.target.checked : event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const optional = (value: string | null | undefined) => (value && value.trim() ? value.trim() : null);
    onSubmit({
      ...address,
      country: address.country.trim().toUpperCase(),
      line2: optional(address.line2),
      region: optional(address.region),
      phone: optional(address.phone),
      label: optional(address.label),
    });
  };
  return (
    <form className="form address-form" onSubmit={submit}>
      <FormError error={Object.keys(errors).length === 0 ? error : null} />
      <Field label={t("address.fullName")} autoComplete="name" required maxLength={200} value={address.full_name} onChange={set("full_name")} error={errors.full_name} />
      <Field label={t("address.line1")} autoComplete="address-line1" required maxLength={200} value={address.line1} onChange={set("line1")} error={errors.line1} />
      <Field label={t("address.line2")} autoComplete="address-line2" maxLength={200} value={address.line2 ?? ""} onChange={set("line2")} error={errors.line2} />
      <div className="form-row">
        <Field label={t("address.postalCode")} autoComplete="postal-code" required maxLength={20} value={address.postal_code} onChange={set("postal_code")} error={errors.postal_code} />
        <Field label={t("address.city")} autoComplete="address-level2" required maxLength={100} value={address.city} onChange={set("city")} error={errors.city} />
      </div>
      <div className="form-row">
        <Field label={t("address.region")} autoComplete="address-level1" maxLength={100} value={address.region ?? ""} onChange={set("region")} error={errors.region} />
        <Field
          label={t("address.country")}
          autoComplete="country"
          required
          pattern="[A-Za-z]{2}"
          maxLength={2}
          size={3}
          value={address.country}
          onChange={set("country")}
          error={errors.country}
          hint={t("address.countryHint")}
        />
      </div>
      <Field label={t("address.phone")} type="tel" autoComplete="tel" maxLength={30} value={address.phone ?? ""} onChange={set("phone")} error={errors.phone} />
      <Field label={t("address.label")} maxLength={50} value={address.label ?? ""} onChange={set("label")} error={errors.label} />
      <label className="checkbox">
        <input type="checkbox" checked={address.is_default ?? false} onChange={set("is_default")} /> {t("address.default")}
      </label>
      <div className="actions">
        <button type="submit" className="button" disabled={pending}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
