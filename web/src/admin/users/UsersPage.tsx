// The Users tab: search by e-mail or name and role, page through with "Load more", and change
// a user's role or (de)activate them.
import { useState, type FormEvent } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Field, SelectField } from "../../ui/form";
import { useMe } from "../../auth/useAuth";
import { PagedList } from "../ui/PagedList";
import { fetchUsers, ROLES, usersKey, type Role, type UserFilters } from "./usersApi";
import { UserRow } from "./UserRow";
import { TableScroll } from "../ui/TableScroll";

export function UsersPage() {
  const { t } = useTranslation("admin");
  const [filters, setFilters] = useState<UserFilters>({ q: "", role: "" });
  const [notice, setNotice] = useState<string | null>(null);
  const me = useMe();
  const users = useInfiniteQuery({
    queryKey: usersKey(filters),
    queryFn: ({ pageParam }) => fetchUsers(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

  return (
    <section aria-labelledby="admin-users-heading">
      <h2 id="admin-users-heading">{t("users.heading")}</h2>
      <UserSearch initial={filters} onSearch={setFilters} />
      {notice && (
        <p className="form-success" role="status">
          {notice}
        </p>
      )}
      <PagedList query={users} rowsOf={(page) => page.items} empty={t("users.empty")}>
        {(rows) => (
          <TableScroll label={t("users.heading")}>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t("users.email")}</th>
                  <th scope="col">{t("users.name")}</th>
                  <th scope="col">{t("users.role")}</th>
                  <th scope="col">{t("users.state")}</th>
                  <th scope="col">{t("users.joined")}</th>
                  <th scope="col">{t("users.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((user) => (
                  <UserRow key={user.id} user={user} isSelf={user.id === me.data?.id} onDone={setNotice} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </PagedList>
    </section>
  );
}

function UserSearch({ initial, onSearch }: { initial: UserFilters; onSearch: (filters: UserFilters) => void }) {
  const { t } = useTranslation("admin");
  const [q, setQ] = useState(initial.q);
  const [role, setRole] = useState(initial.role);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch({ q: q.trim(), role });
  };
  return (
    <form role="search" className="form-row admin-filters" onSubmit={submit}>
      <Field label={t("users.search")} type="search" name="q" maxLength={200} value={q} onChange={(e) => setQ(e.target.value)} />
      <SelectField label={t("users.role")} name="role" value={role} onChange={(e) => setRole(e.target.value as Role | "")}>
        <option value="">{t("users.anyRole")}</option>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </SelectField>
      <div className="field">
        <button type="submit" className="button">
          {t("users.submit")}
        </button>
      </div>
    </form>
  );
}
