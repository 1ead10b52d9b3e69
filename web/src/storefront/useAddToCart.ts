// Adding a variant to the cart: signed-out shoppers are sent to sign in first (carts belong
// to accounts), and the cart badge refreshes after.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useLocation, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { session } from "../auth/session";

export function useAddToCart() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  return useMutation({
    mutationFn: async ({ variantId, quantity }: { variantId: string; quantity: number }) => {
      if (!session.signedIn) {
        navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
        return null;
      }
      return unwrap(api.POST("/api/v1/cart/lines", { body: { variant_id: variantId, quantity } }));
    },
    onSuccess: (cart) => {
      if (cart) queryClient.setQueryData(["cart"], cart);
    },
  });
}
