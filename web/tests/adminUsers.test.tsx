// Admin users: search and role filter, cursor "Load more", a confirmed role change, and the
// API's problem detail when it refuses a deactivation.
import { afterEach, describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { fakeApi, json, problem, renderAdmin, type Call } from "./adminHarness";

function user(n: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `0190a0a0-0000-7000-8000-00000000000${n}`,
    email: `user${n}@example.com`,
    display_name: `User ${n}`,
    role: "user",
    is_active: true,
    created_at: "2025-05-01T10:00:00Z",
    ...overrides,
  };
}

let server: ReturnType<typeof fakeApi> | undefined;
afterEach(() => server?.dispose());

const lists = (calls: Call[]) => calls.filter((c) => c.method === "GET" && c.path === "/api/v1/admin/users");

describe("users tab", () => {
  it("searches by text and role and loads the next page with the cursor", async () => {
    server = fakeApi((call) => {
      if (call.query.get("cursor") === "c2") return json(200, { items: [user(3)] });
      return json(200, { items: [user(1), user(2)], next_cursor: "c2" });
    });
    const { user: person } = renderAdmin("/admin/users");

    expect(await screen.findByText("user1@example.com")).toBeInTheDocument();
    await person.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByText("user3@example.com")).toBeInTheDocument();
    expect(lists(server.calls)[1]?.query.get("cursor")).toBe("c2");

    await person.type(screen.getByLabelText("Search by e-mail or name"), "  ann ");
    await person.selectOptions(screen.getByRole("combobox", { name: "Role" }), "merchant");
    await person.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(lists(server!.calls).at(-1)?.query.get("q")).toBe("ann"));
    const last = lists(server.calls).at(-1);
    expect(last?.query.get("role")).toBe("merchant");
    expect(last?.query.has("cursor")).toBe(false);
  });

  it("changes a role only after confirmation and reports it", async () => {
    let current = user(1);
    server = fakeApi((call) => {
      if (call.method === "PUT") {
        current = { ...current, role: (call.body as { role: string }).role };
        return json(200, current);
      }
      return json(200, { items: [current] });
    });
    const { user: person } = renderAdmin("/admin/users");

    const select = await screen.findByRole("combobox", { name: "Role of user1@example.com" });
    const change = screen.getByRole("button", { name: "Change role" });
    expect(change).toBeDisabled();
    await person.selectOptions(select, "merchant");
    await person.click(change);
    await person.click(screen.getByRole("button", { name: "Confirm" }));

    expect(await screen.findByRole("status")).toHaveTextContent("user1@example.com is now a Merchant.");
    const put = server.calls.find((c) => c.method === "PUT");
    expect(put?.path).toBe(`/api/v1/admin/users/${current.id}/role`);
    expect(put?.body).toEqual({ role: "merchant" });
  });

  it("asks before deactivating and shows the API's refusal", async () => {
    server = fakeApi((call) => {
      if (call.path.endsWith("/deactivate")) return problem(409, "cannot_deactivate_self", "admins cannot deactivate themselves");
      return json(200, { items: [user(1, { role: "admin" })] });
    });
    const { user: person } = renderAdmin("/admin/users");

    await person.click(await screen.findByRole("button", { name: "Deactivate" }));
    const question = screen.getByRole("group", { name: /Deactivate user1@example.com\?/ });
    expect(within(question).getByRole("button", { name: "Confirm" })).toHaveFocus();
    await person.keyboard("{Escape}");
    expect(screen.getByRole("button", { name: "Deactivate" })).toHaveFocus();
    expect(server.calls.some((c) => c.method === "POST")).toBe(false);

    await person.keyboard("{Enter}");
    await person.keyboard("{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("admins cannot deactivate themselves");
    expect(server.calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("reactivates a deactivated user", async () => {
    let active = false;
    server = fakeApi((call) => {
      if (call.path.endsWith("/reactivate")) {
        active = true;
        return json(200, user(1, { is_active: true }));
      }
      return json(200, { items: [user(1, { is_active: active })] });
    });
    const { user: person } = renderAdmin("/admin/users");
    expect(await screen.findByText("Deactivated")).toBeInTheDocument();
    await person.click(screen.getByRole("button", { name: "Reactivate" }));
    await person.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByRole("status")).toHaveTextContent("user1@example.com was reactivated.");
    expect(await screen.findByRole("button", { name: "Deactivate" })).toBeInTheDocument();
  });
});
