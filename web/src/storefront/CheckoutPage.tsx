// Checkout: review the cart, choose (or add) a shipping address, then a shipping method among
// those that deliver there, apply a promotion code, and place the order. Choosing an address
// or a method saves it on the cart (PUT /cart/delivery), which comes back priced: the summary
// shows the server's breakdown, never a sum of our own. The order reserves its stock and waits
// for payment on its own page, so a shopper can pay later.
import { useEffect, useId, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { useIdempotencyKey } from "../lib/idempotency";
import { FormError, fieldErrorsOf } from "../ui/form";
import { Money } from "../ui/Money";
import { Empty, Loading, QueryView } from "../ui/states";
import { AddressForm } from "./AddressForm";
import { CartTotals } from "./CartTotals";
import { PromoCode, codeErrorOf } from "./PromoCode";

type Address = Schemas["Address"];
type CartPricing = Schemas["CartPricing"];

/** The address to start with: the one the cart is priced at, else the default, else the first. */
function initialAddress(list: Address[], pricedAt: string | undefined): string | null {
  return list.find((a) => a.id === pricedAt)?.id ?? list.find((a) => a.is_default)?.id ?? list[0]?.id ?? null;
}

/** The errors checkout shows beside a field; any other goes in the banner. */
const FIELDS = ["address_id", "shipping_method_id", "code"];

export function CheckoutPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const cart = useQuery({ queryKey: ["cart"], queryFn: () => unwrap(api.GET("/api/v1/cart")) });
  const addresses = useQuery({ queryKey: ["addresses"], queryFn: () => unwrap(api.GET("/api/v1/users/me/addresses")) });
  const [chosen, setChosen] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const idempotency = useIdempotencyKey();
  const setCart = (data: Schemas["Cart"]) => queryClient.setQueryData(["cart"], data);

  const pricing = cart.data?.pricing ?? null;
  const hasLines = (cart.data?.lines.length ?? 0) > 0;
  const selected = chosen ?? (addresses.data ? initialAddress(addresses.data, pricing?.address_id) : null);
  const pricedHere = pricing !== null && pricing.address_id === selected;

  const delivery = useMutation({
    mutationFn: (body: Schemas["Delivery"]) => unwrap(api.PUT("/api/v1/cart/delivery", { body })),
    onSuccess: setCart,
  });
  const chooseDelivery = delivery.mutate;
  // Price the cart at the chosen address as soon as it is chosen (once per choice), keeping
  // the method when it delivers there too.
  const requested = useRef<string | null>(null);
  const methodId = pricing?.shipping_method_id ?? null;
  useEffect(() => {
    if (!selected || !hasLines || pricedHere || requested.current === selected) return;
    requested.current = selected;
    chooseDelivery({ address_id: selected, shipping_method_id: methodId });
  }, [selected, hasLines, pricedHere, methodId, chooseDelivery]);

  const addAddress = useMutation({
    mutationFn: (body: Schemas["AddressInput"]) => unwrap(api.POST("/api/v1/users/me/addresses", { body })),
    onSuccess: (address) => {
      void queryClient.invalidateQueries({ queryKey: ["addresses"] });
      setChosen(address.id);
      setAdding(false);
    },
  });
  const placeOrder = useMutation({
    mutationFn: ({ addressId, methodId }: { addressId: string; methodId: string | null }) =>
      unwrap(
        api.POST("/api/v1/checkout", {
          params: {
            header: { "Idempotency-Key": idempotency.keyFor({ addressId, methodId, code: cart.data?.code?.code, cart: cart.data?.lines }) },
          },
          body: { address_id: addressId, shipping_method_id: methodId },
        }),
      ),
    onSuccess: (order) => {
      idempotency.done();
      void queryClient.invalidateQueries({ queryKey: ["cart"] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      navigate(`/orders/${order.id}`);
    },
    // The cart may have changed under the shopper (a code used up, a method gone): show it as it is.
    onError: () => void queryClient.invalidateQueries({ queryKey: ["cart"] }),
  });

  const errors = fieldErrorsOf(placeOrder.error);
  const otherError = FIELDS.some((field) => errors[field] !== undefined) || codeErrorOf(t, placeOrder.error) ? null : placeOrder.error;
  const needsMethod = pricedHere && pricing.shipping_required && !pricing.shipping_method_id;
  const canPlace = !!selected && !!cart.data?.ready_for_checkout && pricedHere && !needsMethod && !delivery.isPending && !placeOrder.isPending;
  const addressErrorId = useId();

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
                  {(list) => (
                    <>
                      {list.length > 0 && (
                        <fieldset
                          className="address-choices"
                          aria-describedby={errors.address_id ? addressErrorId : undefined}
                        >
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
                      {errors.address_id && (
                        <p id={addressErrorId} className="field-error" role="alert">
                          {errors.address_id}
                        </p>
                      )}
                      {adding || list.length === 0 ? (
                        <AddressForm submitLabel={t("checkout.saveAddress")} onSubmit={(a) => addAddress.mutate(a)} error={addAddress.error} pending={addAddress.isPending} />
                      ) : (
                        <button type="button" className="link-button" onClick={() => setAdding(true)}>
                          {t("checkout.newAddress")}
                        </button>
                      )}
                    </>
                  )}
                </QueryView>
                {selected && (!pricedHere || pricing.shipping_required || pricing.shipping_methods.length > 0) && (
                  <>
                    <h2 id="shipping-heading">{t("checkout.shipping")}</h2>
                    {pricedHere ? (
                      <ShippingMethods
                        pricing={pricing}
                        currency={data.currency ?? ""}
                        pendingMethod={delivery.isPending ? delivery.variables.shipping_method_id : undefined}
                        onChoose={(id) => chooseDelivery({ address_id: pricing.address_id, shipping_method_id: id })}
                        error={errors.shipping_method_id}
                      />
                    ) : delivery.isError ? null : (
                      <Loading label={t("checkout.pricing")} />
                    )}
                    <FormError error={delivery.error} />
                  </>
                )}
                <FormError error={otherError} />
                <div className="actions">
                  <button
                    type="button"
                    className="button"
                    disabled={!canPlace}
                    onClick={() => selected && placeOrder.mutate({ addressId: selected, methodId: pricing?.shipping_method_id ?? null })}
                  >
                    {t("checkout.placeOrder")}
                  </button>
                  {needsMethod && pricing.shipping_methods.length > 0 && <span className="hint">{t("checkout.chooseMethod")}</span>}
                </div>
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
                <CartTotals cart={data} />
                <PromoCode applied={data.code} error={placeOrder.error} />
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

/** The methods that deliver the cart to the chosen address, as a radio group with their prices. */
function ShippingMethods({
  pricing,
  currency,
  pendingMethod,
  onChoose,
  error,
}: {
  pricing: CartPricing;
  currency: string;
  /** The method being saved, shown as chosen until the cart comes back. */
  pendingMethod: string | null | undefined;
  onChoose: (id: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  const errorId = useId();
  if (pricing.shipping_methods.length === 0) {
    return (
      <p className="field-error" role="alert">
        {t("checkout.noMethods")}
      </p>
    );
  }
  const current = pendingMethod !== undefined ? pendingMethod : pricing.shipping_method_id;
  return (
    <>
      <fieldset
        className="address-choices shipping-methods"
        aria-labelledby="shipping-heading"
        aria-describedby={error ? errorId : undefined}
      >
        {pricing.shipping_methods.map((method) => (
          <label key={method.id} className="card address-choice">
            <input type="radio" name="shipping-method" value={method.id} checked={method.id === current} onChange={() => onChoose(method.id)} />
            <span className="method-text">
              <strong>{method.name}</strong>
              <br />
              <span className="muted">{method.delivery_time}</span>
            </span>
            <span className="method-price">{method.price_minor === 0 ? t("pricing.free") : <Money minor={method.price_minor} currency={currency} />}</span>
          </label>
        ))}
      </fieldset>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
