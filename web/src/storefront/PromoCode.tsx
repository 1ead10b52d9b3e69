// The promotion code of the cart: a labelled field that applies a code, or the applied code
// with the way to remove it. Refusals (`code_expired`, `usage_limit_reached`…) show beside
// the field in the shopper's language, as does an applied code that no longer applies (the
// cart's `code.problem`) or checkout's refusal of it, which the page passes in as `error`.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { api, unwrap, ApiError, type Schemas } from "../api/client";
import { Field, FormError } from "../ui/form";

/** The problem codes of a refused code that have their own message. */
const PROBLEMS = new Set([
  "code_unknown",
  "code_not_started",
  "code_expired",
  "usage_limit_reached",
  "minimum_not_met",
  "code_not_applicable",
  "nothing_to_pay",
]);

/** The message for a refused code: ours for the known problems, else the API's. */
export function codeProblemMessage(t: TFunction, problem: string, fallback?: string | null): string {
  return PROBLEMS.has(problem) ? t(`promo.problems.${problem}`) : (fallback ?? problem);
}

/** The message for an error about the `code` field, if it is one. */
export function codeErrorOf(t: TFunction, error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const message = error.fieldErrors.code;
  if (message === undefined && !PROBLEMS.has(error.code)) return undefined;
  return codeProblemMessage(t, error.code, message ?? error.message);
}

export function PromoCode({ applied, error }: { applied: Schemas["AppliedCode"] | null | undefined; error?: unknown }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [code, setCode] = useState("");
  const setCart = (cart: Schemas["Cart"]) => queryClient.setQueryData(["cart"], cart);
  const apply = useMutation({
    mutationFn: (value: string) => unwrap(api.POST("/api/v1/cart/code", { body: { code: value } })),
    onSuccess: (cart) => {
      setCart(cart);
      setCode("");
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/cart/code")),
    onSuccess: (cart) => {
      apply.reset();
      setCart(cart);
    },
  });

  if (applied) {
    const problem = codeErrorOf(t, error) ?? (applied.problem ? codeProblemMessage(t, applied.problem, applied.problem_detail) : undefined);
    return (
      <div className="promo-code">
        <p className="promo-applied">
          <span>{t("promo.applied", { code: applied.code })}</span>{" "}
          <button type="button" className="link-button" disabled={remove.isPending} onClick={() => remove.mutate()} aria-label={t("promo.removeCode", { code: applied.code })}>
            {t("promo.remove")}
          </button>
        </p>
        {problem && (
          <p className="field-error" role="alert">
            {problem} {t("promo.notApplied")}
          </p>
        )}
        <FormError error={remove.error} />
      </div>
    );
  }

  const fieldError = codeErrorOf(t, apply.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = code.trim();
    if (value) apply.mutate(value);
  };
  return (
    <form className="promo-code" onSubmit={submit} noValidate>
      <FormError error={fieldError === undefined ? apply.error : null} />
      <div className="form-row">
        <Field
          label={t("promo.label")}
          name="code"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={32}
          value={code}
          onChange={(event) => {
            setCode(event.target.value);
            if (apply.error) apply.reset();
          }}
          error={fieldError}
        />
        <button type="submit" className="button secondary" disabled={apply.isPending || !code.trim()}>
          {t("promo.apply")}
        </button>
      </div>
    </form>
  );
}
