// Create an account (the API checks the password against its rules and common passwords),
// then sign in with it.
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { session } from "../auth/session";
import { Field, FormError, fieldErrorsOf } from "../ui/form";
import { safeNext } from "./SignInPage";

export function RegisterPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ email: "", password: "", display_name: "" });
  const register = useMutation({
    mutationFn: async () => {
      const email = form.email.trim();
      await unwrap(api.POST("/api/v1/auth/register", { body: { email, password: form.password, display_name: form.display_name.trim() || null } }));
      await session.signIn(email, form.password);
    },
    onSuccess: () => {
      queryClient.clear();
      navigate(safeNext(params.get("next")), { replace: true });
    },
  });
  const errors = fieldErrorsOf(register.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <section className="form" aria-labelledby="register-heading">
      <h1 id="register-heading">{t("auth.register")}</h1>
      <form onSubmit={submit}>
        <FormError error={Object.keys(errors).length === 0 ? register.error : null} />
        <Field label={t("auth.email")} type="email" autoComplete="email" required maxLength={254} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} error={errors.email} />
        <Field label={t("auth.displayName")} autoComplete="nickname" maxLength={100} value={form.display_name} onChange={(e) => setForm({ ...form, display_name: e.target.value })} error={errors.display_name} />
        <Field
          label={t("auth.password")}
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          maxLength={128}
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          error={errors.password}
          hint={t("auth.passwordHint")}
        />
        <button type="submit" className="button" disabled={register.isPending}>
          {t("auth.registerButton")}
        </button>
      </form>
      <p>
        {t("auth.haveAccount")} <Link to="/signin">{t("nav.signIn")}</Link>
      </p>
    </section>
  );
}
