// The shopping assistant: ask a question and get an answer grounded in the catalog (with the
// products it cites), or describe what you want and get recommendations, each with the reason
// it was chosen.
import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { Field, FormError, fieldErrorsOf } from "../ui/form";
import { Empty, Loading } from "../ui/states";
import { ProductCard, ProductGrid } from "./ProductCard";

type Mode = "ask" | "recommend";

export function AssistantPage() {
  const { t } = useTranslation();
  const [mode, setMode] = useState<Mode>("ask");
  const [text, setText] = useState("");
  const ask = useMutation({ mutationFn: (question: string) => unwrap(api.POST("/api/v1/assistant/ask", { body: { question, limit: 5 } })) });
  const recommend = useMutation({ mutationFn: (query: string) => unwrap(api.POST("/api/v1/assistant/recommend", { body: { query, limit: 8 } })) });
  const active = mode === "ask" ? ask : recommend;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) active.mutate(text.trim());
  };
  const errors = fieldErrorsOf(active.error);

  return (
    <section aria-labelledby="assistant-heading">
      <h1 id="assistant-heading">{t("assistant.title")}</h1>
      <p className="muted">{t("assistant.intro")}</p>
      <form onSubmit={submit} className="assistant-form">
        <fieldset className="mode">
          <legend className="visually-hidden">{t("assistant.mode")}</legend>
          <label>
            <input type="radio" name="mode" checked={mode === "ask"} onChange={() => setMode("ask")} /> {t("assistant.ask")}
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === "recommend"} onChange={() => setMode("recommend")} /> {t("assistant.recommend")}
          </label>
        </fieldset>
        <Field
          label={mode === "ask" ? t("assistant.question") : t("assistant.looking")}
          value={text}
          onChange={(e) => setText(e.target.value)}
          required
          maxLength={200}
          error={errors.question ?? errors.query}
          placeholder={mode === "ask" ? t("assistant.questionExample") : t("assistant.lookingExample")}
        />
        <button type="submit" className="button" disabled={active.isPending}>
          {mode === "ask" ? t("assistant.askButton") : t("assistant.recommendButton")}
        </button>
      </form>
      <FormError error={Object.keys(errors).length === 0 ? active.error : null} />
      {active.isPending && <Loading label={t("assistant.thinking")} />}
      {mode === "ask" && ask.data && <AnswerView reply={ask.data} />}
      {mode === "recommend" && recommend.data && <RecommendationList items={recommend.data.items} />}
    </section>
  );
}

function AnswerView({ reply }: { reply: Schemas["AskReply"] }) {
  const { t } = useTranslation();
  const cited = new Set(reply.answer.cited);
  return (
    <div aria-live="polite">
      <div className="card answer">
        <p>{reply.answer.text}</p>
        <p className="muted">{reply.answer.source === "llm" ? t("assistant.sourceLlm") : t("assistant.sourceFacts")}</p>
      </div>
      <RecommendationList items={reply.products.filter((r) => cited.size === 0 || cited.has(r.product.id))} />
    </div>
  );
}

function RecommendationList({ items }: { items: Schemas["Recommendation"][] }) {
  const { t } = useTranslation();
  if (items.length === 0) return <Empty>{t("assistant.nothing")}</Empty>;
  return (
    <ProductGrid>
      {items.map((r) => (
        <li key={r.product.id}>
          <ProductCard product={r.product} level={2} extra={<p className="explanation">{r.explanation}</p>} />
        </li>
      ))}
    </ProductGrid>
  );
}
