// Guards a page: signed-out visitors go to sign-in (and come back after), callers without
// one of the roles see a clear "not allowed" message rather than a broken page.
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { useMe, useSignedIn, type Role } from "./useAuth";
import { ErrorState, Loading } from "../ui/states";

export function RequireRole({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const signedIn = useSignedIn();
  const me = useMe();
  const location = useLocation();
  const { t } = useTranslation();
  if (!signedIn) {
    const back = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/signin?next=${back}`} replace />;
  }
  if (me.error) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) return <Loading />;
  if (roles && !roles.includes(me.data.role)) {
    return (
      <div className="state state-error" role="alert">
        {t("auth.forbidden")}
      </div>
    );
  }
  return <>{children}</>;
}
