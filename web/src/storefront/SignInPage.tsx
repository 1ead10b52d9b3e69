// Sign in with e-mail and password; returns to the page that asked for it.
import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { session } from "../auth/session";
import { useSignedIn } from "../auth/useAuth";
import { Field, FormError } from "../ui/form";

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signedIn = useSignedIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const next = safeNext(params.get("next"));
  const signIn = useMutation({
    mutationFn: () => session.signIn(email.trim(), password),
    onSuccess: () => {
      queryClient.clear();
      navigate(next, { replace: true });
    },
  });
  if (signedIn && !signIn.isSuccess) return <Navigate to={next} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };
  return (
    <section className="form" aria-labelledby="signin-heading">
      <h1 id="signin-heading">{t("auth.signIn")}</h1>
      <form onSubmit={submit}>
        <FormError error={signIn.error} />
        <Field label={t("auth.email")} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field label={t("auth.password")} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" className="button" disabled={signIn.isPending}>
          {t("auth.signInButton")}
        </button>
      </form>
      <p>
        {t("auth.noAccount")} <Link to={`/register?next=${encodeURIComponent(next)}`}>{t("nav.register")}</Link>
      </p>
    </section>
  );
}
