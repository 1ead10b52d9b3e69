// The cart's totals, in the cart and at checkout: the priced breakdown once the cart is priced
// at an address (with the chosen shipping method's name), else the subtotal and a word that
// shipping and tax come at checkout.
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { Money } from "../ui/Money";
import { PriceBreakdown } from "../ui/PriceBreakdown";

export function CartTotals({ cart }: { cart: Schemas["Cart"] }) {
  const { t } = useTranslation();
  const pricing = cart.pricing;
  if (pricing && cart.currency) {
    return (
      <PriceBreakdown
        breakdown={pricing.breakdown}
        currency={cart.currency}
        shippingName={pricing.shipping_methods.find((m) => m.id === pricing.shipping_method_id)?.name}
        shippingRequired={pricing.shipping_required}
      />
    );
  }
  return (
    <>
      <p className="total">
        {t("cart.subtotal")}: {cart.currency ? <Money minor={cart.subtotal_minor} currency={cart.currency} /> : "—"}
      </p>
      <p className="hint">{t("pricing.atCheckout")}</p>
    </>
  );
}
