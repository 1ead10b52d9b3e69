// Checkout: review the cart, choose (or add) a shipping address, place the order. The order
// reserves its stock and waits for payment on its own page, so a shopper can pay later.
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { useIdempotencyKey } from "../lib/idempotency";
import { FormError } from "../ui/form";
import { Money } from "../ui/Money";
import { Empty, QueryView } from "../ui/states";
import { AddressForm } from "./AddressForm";

export function CheckoutPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const cart = useQuery({ queryKey: ["cart"], queryFn: () => unwrap(api.GET("/api/v1/cart")) });
  const addresses = useQuery({ queryKey: ["addresses"], queryFn: () => unwrap(api.GET("/api/v1/users/me/addresses")) });
  const [chosen, setChosen] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const idempotency = useIdempotencyKey();

  const addAddress = useMutation({
    mutationFn: (body: Schemas["AddressInput"]) =>
      unwrap(api.POST("/api/v1/users/me/addresses", { body })),
    onSuccess: (address) => {
      void queryClient.invalidateQueries({ queryKey: ["addresses"] });
      setChosen(address.id);
      setAdding(false);
    },
  });
  const placeOrder = useMutation({
    mutationFn: (addressId: string) =>
      unwrap(
        api.POST("/api/v1/checkout", {
          params: { header: { "Idempotency-Key": idempotency.keyFor({ addressId, cart: cart.data?.lines }) } },
          body: { address_id: addressId },
        }),
      ),
    onSuccess: (order) => {
      idempotency.done();
      void queryClient.invalidateQueries({ queryKey: ["cart"] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      navigate(`/orders/${order.id}`);
    },
  });

  return (
    <section aria-labelledby="checkout-heading">
      <h1 id="checkout-heading">{t("checkout.title")}</h1>
      <QueryView query={cart}>
        {(data) =>
          data.lines.length === 0 ? (
            <Empty>
              {t("cart.empty")} <Link to="/products">{t("cart.browse")}</Link>
            </Empty>
          ) : (
            <div className="checkout-layout">
              <div>
                <h2>{t("checkout.address")}</h2>
                <QueryView query={addresses}>
                  {(list) => {
                    const selected = chosen ?? list.find((a) => a.is_default)?.id ?? list[0]?.id ?? null;
                    return (
                      <>
                        {list.length > 0 && (
                          <fieldset className="address-choices">
                            <legend className="visually-hidden">{t("checkout.address")}</legend>
                            {list.map((a) => (
                              <label key={a.id} className="card address-choice">
                                <input type="radio" name="address" value={a.id} checked={a.id === selected} onChange={() => setChosen(a.id)} />
                                <span>
                                  <strong>{a.label || a.full_name}</strong>
                                  <br />
                                  {a.line1}, {a.postal_code} {a.city}, {a.country}
                                </span>
                              </label>
                            ))}
                          </fieldset>
                        )}
                        {adding || list.length === 0 ? (
                          <AddressForm submitLabel={t("checkout.saveAddress")} onSubmit={(a) => addAddress.mutate(a)} error={addAddress.error} pending={addAddress.isPending} />
                        ) : (
                          <button type="button" className="link-button" onClick={() => setAdding(true)}>
                            {t("checkout.newAddress")}
                          </button>
                        )}
                        <FormError error={placeOrder.error} />
                        <div className="actions">
                          <button
                            type="button"
                            className="button"
                            disabled={!selected || !data.ready_for_checkout || placeOrder.isPending}
                            onClick={() => selected && placeOrder.mutate(selected)}
                          >
                            {t("checkout.placeOrder")}
                          </button>
                        </div>
                      </>
                    );
                  }}
                </QueryView>
              </div>
              <aside className="card" aria-labelledby="summary-heading">
                <h2 id="summary-heading">{t("checkout.summary")}</h2>
                <ul className="summary-lines">
                  {data.lines.map((line) => (
                    <li key={line.variant_id}>
                      <span>
                        {line.quantity} × {line.title}
                      </span>
                      <Money minor={line.line_total_minor} currency={line.currency} />
                    </li>
                  ))}
                </ul>
                {data.currency && (
                  <p className="total">
                    {t("cart.subtotal")}: <Money minor={data.subtotal_minor} currency={data.currency} />
                  </p>
                )}
                {!data.ready_for_checkout && (
                  <p className="field-error">
                    {t("cart.fixIssues")} <Link to="/cart">{t("nav.cart")}</Link>
                  </p>
                )}
              </aside>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}
