// One user in the users table: role picker with a confirmed "Change role", and a confirmed
// deactivate / reactivate; the API's problem detail shows in the row when it refuses.
import { useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { FormError } from "../../ui/form";
import { ConfirmButton } from "../ui/ConfirmButton";
import { DateTime } from "../ui/DateTime";
import { applyUserAction, ROLES, usersKey, type Role, type User, type UserAction } from "./usersApi";

interface UserRowProps {
  user: User;
  isSelf: boolean;
  onDone: (message: string) => void;
}

export function UserRow({ user, isSelf, onDone }: UserRowProps) {
  const { t } = useTranslation("admin");
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>(user.role);
  const emailId = useId();
  const email = user.email;
  const mutation = useMutation({
    mutationFn: (action: UserAction) => applyUserAction(user.id, action),
    onSuccess: (updated, action) => {
      const messages = {
        role: () => t("users.roleChanged", { email, role: t(`roles.${updated.role}`) }),
        deactivate: () => t("users.deactivated", { email }),
        reactivate: () => t("users.reactivated", { email }),
      };
      onDone(messages[action.kind]());
      return queryClient.invalidateQueries({ queryKey: usersKey() });
    },
  });
  const roleName = t(`roles.${role}`);

  return (
    <tr>
      <td id={emailId}>
        {email} {isSelf && <span className="muted">{t("users.you")}</span>}
      </td>
      <td>{user.display_name || t("common.never")}</td>
      <td>
        <div className="actions">
          <select aria-label={t("users.roleFor", { email })} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
          <ConfirmButton
            label={t("users.changeRole")}
            className="button secondary"
            describedBy={emailId}
            disabled={role === user.role || mutation.isPending}
            question={isSelf ? t("users.confirmOwnRole", { role: roleName }) : t("users.confirmRole", { email, role: roleName })}
            onConfirm={() => mutation.mutate({ kind: "role", role })}
          />
        </div>
      </td>
      <td>{user.is_active ? t("users.active") : <span className="status status-cancelled">{t("users.inactive")}</span>}</td>
      <td>
        <DateTime iso={user.created_at} />
      </td>
      <td>
        {user.is_active ? (
          <ConfirmButton
            label={t("users.deactivate")}
            describedBy={emailId}
            disabled={mutation.isPending}
            question={t("users.confirmDeactivate", { email })}
            onConfirm={() => mutation.mutate({ kind: "deactivate" })}
          />
        ) : (
          <ConfirmButton
            label={t("users.reactivate")}
            className="button secondary"
            describedBy={emailId}
            disabled={mutation.isPending}
            question={t("users.confirmReactivate", { email })}
            onConfirm={() => mutation.mutate({ kind: "reactivate" })}
          />
        )}
        <FormError error={mutation.error} />
      </td>
    </tr>
  );
}
