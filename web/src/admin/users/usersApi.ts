// The admin users API: the paginated search, and the role / activation changes.
import { api, unwrap, type Schemas } from "../../api/client";

export type User = Schemas["User"];
export type Role = Schemas["Role"];
export const ROLES: readonly Role[] = ["user", "merchant", "admin"];
export const USERS_PAGE_SIZE = 20;

export interface UserFilters {
  q: string;
  role: Role | "";
}

export const usersKey = (filters?: UserFilters) => (filters ? ["admin", "users", filters] : ["admin", "users"]);

export function fetchUsers(filters: UserFilters, cursor: string | undefined) {
  const query = {
    q: filters.q.trim() || undefined,
    role: filters.role || undefined,
    cursor,
    limit: USERS_PAGE_SIZE,
  };
  return unwrap(api.GET("/api/v1/admin/users", { params: { query } }));
}

export type UserAction = { kind: "role"; role: Role } | { kind: "deactivate" } | { kind: "reactivate" };

export function applyUserAction(id: string, action: UserAction): Promise<User> {
  const path = { path: { id } };
  switch (action.kind) {
    case "role":
      return unwrap(api.PUT("/api/v1/admin/users/{id}/role", { params: path, body: { role: action.role } }));
    case "deactivate":
      return unwrap(api.POST("/api/v1/admin/users/{id}/deactivate", { params: path }));
    case "reactivate":
      return unwrap(api.POST("/api/v1/admin/users/{id}/reactivate", { params: path }));
  }
}
