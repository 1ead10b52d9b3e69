// The cart: lines at today's prices with their issues (price changed, out of stock, no
// longer sold), quantity changes, removal, the promotion code, the server's price breakdown
// (once the shopper has an address; else the subtotal) and the way to checkout.
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { FormError } from "../ui/form";
import { Money } from "../ui/Money";
import { Empty, QueryView } from "../ui/states";
import { CartTotals } from "./CartTotals";
import { PromoCode } from "./PromoCode";

type CartLine = Schemas["CartLine"];

export function CartPage() {
  const { t } = useTranslation();
  const cart = useQuery({ queryKey: ["cart"], queryFn: () => unwrap(api.GET("/api/v1/cart")) });
  const queryClient = useQueryClient();
  const setCart = (data: Schemas["Cart"]) => queryClient.setQueryData(["cart"], data);
  const change = useMutation({
    mutationFn: ({ line, quantity }: { line: CartLine; quantity: number }) =>
      unwrap(api.PUT("/api/v1/cart/lines/{variant_id}", { params: { path: { variant_id: line.variant_id } }, body: { quantity } })),
    onSuccess: setCart,
  });
  const remove = useMutation({
    mutationFn: (line: CartLine) => unwrap(api.DELETE("/api/v1/cart/lines/{variant_id}", { params: { path: { variant_id: line.variant_id } } })),
    onSuccess: setCart,
  });

  return (
    <section aria-labelledby="cart-heading">
      <h1 id="cart-heading">{t("cart.title")}</h1>
      <QueryView query={cart}>
        {(data) =>
          data.lines.length === 0 ? (
            <Empty>
              {t("cart.empty")} <Link to="/products">{t("cart.browse")}</Link>
            </Empty>
          ) : (
            <>
              <FormError error={change.error ?? remove.error} />
              <table className="table">
                <caption className="visually-hidden">{t("cart.title")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("cart.product")}</th>
                    <th scope="col" className="num">{t("cart.price")}</th>
                    <th scope="col">{t("cart.quantity")}</th>
                    <th scope="col" className="num">{t("cart.total")}</th>
                    <th scope="col"><span className="visually-hidden">{t("cart.actions")}</span></th>
                  </tr>
                </thead>
                <tbody>
                  {data.lines.map((line) => (
                    <tr key={line.variant_id}>
                      <td>
                        <Link to={`/products/${line.product_id}`}>{line.title}</Link>
                        <div className="muted">{line.sku}</div>
                        <LineIssues line={line} />
                      </td>
                      <td className="num">
                        <Money minor={line.unit_price_minor} currency={line.currency} />
                      </td>
                      <td>
                        <label>
                          <span className="visually-hidden">{t("cart.quantityOf", { title: line.title })}</span>
                          <input
                            type="number"
                            min={1}
                            max={1000}
                            defaultValue={line.quantity}
                            key={line.quantity}
                            onBlur={(e) => {
                              const quantity = Number(e.target.value);
                              if (Number.isInteger(quantity) && quantity >= 1 && quantity !== line.quantity) change.mutate({ line, quantity });
                            }}
                          />
                        </label>
                      </td>
                      <td className="num">
                        <Money minor={line.line_total_minor} currency={line.currency} />
                      </td>
                      <td>
                        <button type="button" className="link-button" onClick={() => remove.mutate(line)} aria-label={t("cart.removeLine", { title: line.title })}>
                          {t("cart.remove")}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="cart-summary card">
                <PromoCode applied={data.code} />
                <CartTotals cart={data} />
                {!data.ready_for_checkout && <p className="field-error">{t("cart.fixIssues")}</p>}
                {data.ready_for_checkout ? (
                  <Link to="/checkout" className="button">
                    {t("cart.checkout")}
                  </Link>
                ) : (
                  <button type="button" className="button" disabled>
                    {t("cart.checkout")}
                  </button>
                )}
              </div>
            </>
          )
        }
      </QueryView>
    </section>
  );
}

function LineIssues({ line }: { line: CartLine }) {
  const { t } = useTranslation();
  if (line.issues.length === 0) return null;
  return (
    <ul className="line-issues">
      {line.issues.map((issue) => (
        <li key={issue.code} className="field-error">
          {issue.code === "price_changed" ? (
            <>
              {t("cart.issues.price_changed")} <Money minor={issue.was_minor} currency={line.currency} /> → <Money minor={issue.now_minor} currency={line.currency} />
            </>
          ) : issue.code === "insufficient_stock" ? (
            t("cart.issues.insufficient_stock", { count: issue.available })
          ) : (
            t(`cart.issues.${issue.code}`)
          )}
        </li>
      ))}
    </ul>
  );
}
