// Admin events: the lag history's accumulation across polls, the accessible chart with its
// data table, handler failures, and replaying a dead letter.
import { afterEach, describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { fakeApi, json, problem, renderAdmin } from "./adminHarness";
import { appendSample, seriesOf, totalsByConsumer } from "../src/admin/events/lagHistory";
import { eventKeys } from "../src/admin/events/eventsApi";

const lagRow = (consumer: string, partition: number, lag: number) => ({
  consumer,
  topic: "orders",
  partition,
  lag,
  measured_at: "2025-05-01T10:00:00Z",
});

describe("lag history", () => {
  it("sums each consumer's partitions", () => {
    expect(totalsByConsumer([lagRow("mailer", 0, 3), lagRow("mailer", 1, 4), lagRow("search", 0, 1)])).toEqual({
      mailer: 7,
      search: 1,
    });
  });

  it("appends one sample per new poll, ignores repeats and keeps the newest few", () => {
    let history = appendSample([], [lagRow("mailer", 0, 5)], 1000);
    history = appendSample(history, [lagRow("mailer", 0, 9)], 1000);
    expect(history).toEqual([{ at: 1000, totals: { mailer: 5 } }]);

    history = appendSample(history, [lagRow("mailer", 0, 2)], 2000, 2);
    history = appendSample(history, [lagRow("mailer", 0, 1), lagRow("search", 0, 4)], 3000, 2);
    expect(history.map((s) => s.at)).toEqual([2000, 3000]);
    expect(seriesOf(history)).toEqual([
      { consumer: "mailer", points: [{ at: 2000, lag: 2 }, { at: 3000, lag: 1 }] },
      { consumer: "search", points: [{ at: 3000, lag: 4 }] },
    ]);
  });
});

let server: ReturnType<typeof fakeApi> | undefined;
afterEach(() => server?.dispose());

const deadLetter = {
  id: "0190a0a0-0000-7000-8000-0000000000d1",
  handler: "mailer.order_confirmation",
  event_id: "0190a0a0-0000-7000-8000-0000000000e1",
  event: { type: "order.paid" },
  error: "smtp timeout",
  attempts: 5,
  created_at: "2025-05-01T09:00:00Z",
  replay_requested_at: null,
  replayed_at: null,
};

describe("events tab", () => {
  it("keeps the lag history across polls and draws it with a data table", async () => {
    const lags = [
      [lagRow("mailer", 0, 3), lagRow("mailer", 1, 4)],
      [lagRow("mailer", 0, 1), lagRow("mailer", 1, 1)],
    ];
    let poll = 0;
    server = fakeApi((call) => {
      if (call.path.endsWith("/lag")) return json(200, lags[Math.min(poll++, lags.length - 1)]);
      return json(200, []);
    });
    const { user, queryClient } = renderAdmin("/admin/events");

    const chart = await screen.findByRole("img", { name: /Total lag per consumer over time/ });
    expect(chart).toHaveAccessibleName(/1 samples/);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await queryClient.refetchQueries({ queryKey: eventKeys.lag });
    await waitFor(() => expect(chart).toHaveAccessibleName(/2 samples.*Latest: mailer 2/));

    await user.click(screen.getByText("Chart data"));
    const table = screen.getByRole("table", { name: "Total lag per consumer over time" });
    const cells = within(table).getAllByRole("cell").map((cell) => cell.textContent);
    expect(cells).toEqual(["2", "7"]); // newest first
    expect(screen.getByRole("list", { name: "Consumers" })).toHaveTextContent("mailer");
    expect(screen.getByText("No handler has failed recently.")).toBeInTheDocument();
  });

  it("replays a dead letter and shows that the replay was requested", async () => {
    server = fakeApi((call) => {
      if (call.method === "POST") return json(202, { ...deadLetter, replay_requested_at: "2025-05-01T10:00:00Z" });
      if (call.path.endsWith("/dead-letters")) return json(200, [deadLetter]);
      return json(200, []);
    });
    const { user } = renderAdmin("/admin/events");

    const row = (await screen.findByRole("cell", { name: deadLetter.handler })).closest("tr")!;
    expect(within(row).getByText("Not replayed")).toBeInTheDocument();
    await user.click(within(row).getByRole("button", { name: "Replay" }));
    expect(await within(row).findByText(/Replay requested/)).toBeInTheDocument();
    const post = server.calls.find((c) => c.method === "POST");
    expect(post?.path).toBe(`/api/v1/admin/events/dead-letters/${deadLetter.id}/replay`);
    expect(server.calls.find((c) => c.path.endsWith("/dead-letters"))?.query.get("pending")).toBe("true");

    await user.click(screen.getByLabelText("Hide replayed dead letters"));
    await waitFor(() => expect(server!.calls.at(-1)?.query.get("pending")).toBe("false"));
  });

  it("shows the API's detail when a dead letter was already replayed", async () => {
    server = fakeApi((call) => {
      if (call.method === "POST") return problem(409, "already_replayed", "this dead letter was replayed successfully");
      if (call.path.endsWith("/dead-letters")) return json(200, [deadLetter]);
      return json(200, []);
    });
    const { user } = renderAdmin("/admin/events");
    await user.click(await screen.findByRole("button", { name: "Replay" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("this dead letter was replayed successfully");
  });
});
