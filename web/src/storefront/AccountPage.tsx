// The shopper's account: display name, saved addresses, password change and signing out of
// every device.
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { useMe, useSignOut } from "../auth/useAuth";
import { Field, FormError, fieldErrorsOf } from "../ui/form";
import { Empty, QueryView } from "../ui/states";
import { AddressForm } from "./AddressForm";

export function AccountPage() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="account-heading">
      <h1 id="account-heading">{t("account.title")}</h1>
      <Profile />
      <Addresses />
      <PasswordChange />
      <SignOutEverywhere />
    </section>
  );
}

function Profile() {
  const { t } = useTranslation();
  const me = useMe();
  const queryClient = useQueryClient();
  const [name, setName] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (display_name: string) => unwrap(api.PATCH("/api/v1/users/me", { body: { display_name: display_name.trim() || null } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["me"] }),
  });
  const errors = fieldErrorsOf(save.error);
  return (
    <QueryView query={me}>
      {(user) => (
        <form
          className="form card"
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            save.mutate(name ?? user.display_name ?? "");
          }}
        >
          <h2>{t("account.profile")}</h2>
          <p>
            {t("auth.email")}: <strong>{user.email}</strong>
          </p>
          <FormError error={Object.keys(errors).length === 0 ? save.error : null} />
          <Field label={t("auth.displayName")} maxLength={100} value={name ?? user.display_name ?? ""} onChange={(e) => setName(e.target.value)} error={errors.display_name} />
          {save.isSuccess && <p className="form-success" role="status">{t("account.saved")}</p>}
          <button type="submit" className="button" disabled={save.isPending}>
            {t("account.save")}
          </button>
        </form>
      )}
    </QueryView>
  );
}

function Addresses() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const addresses = useQuery({ queryKey: ["addresses"], queryFn: () => unwrap(api.GET("/api/v1/users/me/addresses")) });
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const refresh = () => {
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: ["addresses"] });
  };
  const save = useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: Schemas["AddressInput"] }) =>
      id
        ? unwrap(api.PUT("/api/v1/users/me/addresses/{id}", { params: { path: { id } }, body }))
        : unwrap(api.POST("/api/v1/users/me/addresses", { body })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/users/me/addresses/{id}", { params: { path: { id } } })),
    onSuccess: refresh,
  });
  return (
    <section className="card" aria-labelledby="addresses-heading">
      <h2 id="addresses-heading">{t("account.addresses")}</h2>
      <FormError error={remove.error} />
      <QueryView query={addresses}>
        {(list) => (
          <>
            {list.length === 0 && <Empty>{t("account.noAddresses")}</Empty>}
            <ul className="address-list">
              {list.map((a) => (
                <li key={a.id}>
                  {editing === a.id ? (
                    <AddressForm initial={a} submitLabel={t("account.save")} onSubmit={(body) => save.mutate({ id: a.id, body })} error={save.error} pending={save.isPending} />
                  ) : (
                    <div className="actions">
                      <span>
                        <strong>{a.label || a.full_name}</strong> {a.is_default && <span className="status">{t("address.default")}</span>} — {a.line1}, {a.postal_code} {a.city}, {a.country}
                      </span>
                      <button type="button" className="link-button" onClick={() => setEditing(a.id)} aria-label={t("account.editAddress", { name: a.label || a.full_name })}>
                        {t("account.edit")}
                      </button>
                      <button type="button" className="link-button" onClick={() => remove.mutate(a.id)} aria-label={t("account.deleteAddress", { name: a.label || a.full_name })}>
                        {t("account.delete")}
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
            {editing === "new" ? (
              <AddressForm submitLabel={t("checkout.saveAddress")} onSubmit={(body) => save.mutate({ id: null, body })} error={save.error} pending={save.isPending} />
            ) : (
              <button type="button" className="button secondary" onClick={() => setEditing("new")}>
                {t("checkout.newAddress")}
              </button>
            )}
          </>
        )}
      </QueryView>
    </section>
  );
}

function PasswordChange() {
  const { t } = useTranslation();
  const [form, setForm] = useState({ current_password: "", new_password: "" });
  const change = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/users/me/password", { body: form })),
    onSuccess: () => setForm({ current_password: "", new_password: "" }),
  });
  const errors = fieldErrorsOf(change.error);
  return (
    <form
      className="form card"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        change.mutate();
      }}
    >
      <h2>{t("account.password")}</h2>
      <FormError error={Object.keys(errors).length === 0 ? change.error : null} />
      <Field label={t("account.currentPassword")} type="password" autoComplete="current-password" required value={form.current_password} onChange={(e) => setForm({ ...form, current_password: e.target.value })} error={errors.current_password} />
      <Field
        label={t("account.newPassword")}
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        maxLength={128}
        value={form.new_password}
        onChange={(e) => setForm({ ...form, new_password: e.target.value })}
        error={errors.new_password}
        hint={t("auth.passwordHint")}
      />
      {change.isSuccess && <p className="form-success" role="status">{t("account.passwordChanged")}</p>}
      <button type="submit" className="button" disabled={change.isPending}>
        {t("account.changePassword")}
      </button>
    </form>
  );
}

function SignOutEverywhere() {
  const { t } = useTranslation();
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <section className="card">
      <h2>{t("account.sessions")}</h2>
      <p className="muted">{t("account.sessionsText")}</p>
      <button type="button" className="button danger" onClick={() => void signOut(true).then(() => navigate("/"))}>
        {t("account.signOutEverywhere")}
      </button>
    </section>
  );
}
