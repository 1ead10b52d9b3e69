// The merchant's product images against a stubbed API: the upload sends multipart/form-data with `file` and `alt` (boundary set by the browser), a 422 `file` error shows beside the file input, the list is polled while an image is processing, and moving renumbers positions.
import { afterEach, describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Schemas } from "../src/api/client";
import "../src/merchant/messages";
import { ProductPage } from "../src/merchant/ProductPage";
import { IMAGE_POLL_MS } from "../src/merchant/queries";
import { renderAt, stubApi, type Sent } from "./render";

type ProductImage = Schemas["ProductImage"];

const PRODUCT = "0190a0a0-0000-7000-8000-0000000000p1";
const IMAGES = `/api/v1/products/${PRODUCT}/images`;

const product = {
  id: PRODUCT,
  merchant_id: "m1",
  slug: "teapot",
  title: "Teapot",
  description: "",
  status: "published",
  attributes: {},
  images: [],
  media: [],
  min_price_minor: 1250,
  currency: "EUR",
  in_stock: true,
  variant_count: 0,
  created_at: "2025-05-01T10:00:00Z",
  updated_at: "2025-05-01T10:00:00Z",
};

function image(overrides: Partial<ProductImage> = {}): ProductImage {
  return {
    id: "i1",
    product_id: PRODUCT,
    status: "processing",
    failure_reason: null,
    alt: "A red teapot",
    position: 0,
    content_type: "image/png",
    byte_size: 120,
    width: null,
    height: null,
    renditions: [],
    placeholder: null,
    created_at: "2025-05-02T10:00:00Z",
    updated_at: "2025-05-02T10:00:00Z",
    ...overrides,
  };
}

const ready = (overrides: Partial<ProductImage> = {}) =>
  image({
    status: "ready",
    width: 40,
    height: 30,
    placeholder: "data:image/jpeg;base64,AAAA",
    renditions: [
      { width: 40, height: 30, format: "webp", url: "/api/v1/media/renditions/h1/40.webp" },
      { width: 40, height: 30, format: "jpeg", url: "/api/v1/media/renditions/h1/40.jpg" },
    ],
    updated_at: "2025-05-02T10:00:03Z",
    ...overrides,
  });

const problem = (status: number, code: string, detail: string, errors?: { field: string; message: string }[]) => ({
  status,
  body: { type: `https://shopfleet.dev/problems/${code}`, title: code, status, code, detail, errors },
});

function renderProduct() {
  renderAt(`/merchant/products/${PRODUCT}`, [{ path: "/merchant/products/:id", element: <ProductPage /> }]);
  return userEvent.setup();
}

const png = () => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], "teapot.png", { type: "image/png" });
const gets = (sent: Sent[]) => sent.filter((s) => s.method === "GET" && s.path === IMAGES);

afterEach(() => localStorage.clear());

describe("uploading an image", () => {
  it("sends multipart with `file` and `alt` and shows a 422 `file` error beside the file input", async () => {
    const sent = stubApi({
      [`GET /api/v1/products/${PRODUCT}`]: { status: 200, body: product },
      [`GET /api/v1/products/${PRODUCT}/variants`]: { status: 200, body: { items: [] } },
      [`GET ${IMAGES}`]: { status: 200, body: [] },
      [`POST ${IMAGES}`]: problem(422, "validation_failed", "invalid field(s): file", [
        { field: "file", message: "is not a JPEG, PNG or WebP image" },
      ]),
    });
    const user = renderProduct();
    const input = await screen.findByLabelText("Upload image");
    expect(input).toHaveAttribute("type", "file");
    expect(input).toHaveAttribute("accept", "image/jpeg,image/png,image/webp");
    expect(await screen.findByText("This product has no uploaded images yet.")).toBeInTheDocument();
    const upload = screen.getByRole("button", { name: "Upload" });
    expect(upload).toBeDisabled();

    await user.upload(input, png());
    await user.type(screen.getByLabelText("Alt text"), "A red teapot");
    await user.click(upload);

    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(input).toHaveAccessibleDescription(/is not a JPEG, PNG or WebP image/);
    expect(screen.getByText("invalid field(s): file")).toBeInTheDocument();
    expect(screen.getByLabelText("Alt text")).not.toHaveAttribute("aria-invalid");

    const [request] = sent.filter((s) => s.method === "POST");
    expect(request?.path).toBe(IMAGES);
    // The browser (here undici) set the type with its boundary: the app did not set one itself.
    expect(request?.headers.get("Content-Type")).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.body).toEqual({ file: { file: true, type: "image/png" }, alt: "A red teapot" });
  });

  it("puts a too-large file's problem detail beside the file input and leaves `alt` out when empty", async () => {
    const sent = stubApi({
      [`GET /api/v1/products/${PRODUCT}`]: { status: 200, body: product },
      [`GET /api/v1/products/${PRODUCT}/variants`]: { status: 200, body: { items: [] } },
      [`GET ${IMAGES}`]: { status: 200, body: [] },
      [`POST ${IMAGES}`]: problem(413, "payload_too_large", "The request body is larger than 10485760 bytes."),
    });
    const user = renderProduct();
    const input = await screen.findByLabelText("Upload image");
    await user.upload(input, png());
    await user.click(screen.getByRole("button", { name: "Upload" }));
    await waitFor(() => expect(input).toHaveAccessibleDescription(/larger than 10485760 bytes/));
    expect(sent.find((s) => s.method === "POST")?.body).toEqual({ file: { file: true, type: "image/png" } });
  });

  it("shows the new image as processing and polls every 2 s until it is ready", async () => {
    let stage: "none" | "processing" | "ready" = "none";
    let processingGets = 0;
    const sent = stubApi({
      [`GET /api/v1/products/${PRODUCT}`]: { status: 200, body: product },
      [`GET /api/v1/products/${PRODUCT}/variants`]: { status: 200, body: { items: [] } },
      [`GET ${IMAGES}`]: () => {
        if (stage === "processing" && ++processingGets >= 2) stage = "ready";
        return { status: 200, body: stage === "none" ? [] : [stage === "ready" ? ready() : image()] };
      },
      [`POST ${IMAGES}`]: () => {
        stage = "processing";
        return { status: 202, body: image() };
      },
    });
    const user = renderProduct();
    await user.upload(await screen.findByLabelText("Upload image"), png());
    await user.type(screen.getByLabelText("Alt text"), "A red teapot");
    await user.click(screen.getByRole("button", { name: "Upload" }));

    const list = await screen.findByRole("list", { name: "Uploaded images" });
    expect(await within(list).findByText("Processing")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Image uploaded.");
    expect(screen.getByLabelText("Alt text")).toHaveValue("");
    const before = gets(sent).length;

    // The worker renders it; the next poll (2 s later) shows it ready with its thumbnail.
    expect(await within(list).findByText("Ready", {}, { timeout: IMAGE_POLL_MS * 2 })).toBeInTheDocument();
    expect(gets(sent).length).toBeGreaterThan(before);
    const thumb = list.querySelector(".image-thumb img");
    expect(thumb).toHaveAttribute("src", "/api/v1/media/renditions/h1/40.jpg");
    expect(within(list).getByLabelText("Alt text of image 1")).toHaveValue("A red teapot");

    // Nothing is processing any more: polling stops.
    const after = gets(sent).length;
    await new Promise((resolve) => setTimeout(resolve, IMAGE_POLL_MS + 300));
    expect(gets(sent).length).toBe(after);
  }, 15_000);

  it("shows a failed image's reason", async () => {
    stubApi({
      [`GET /api/v1/products/${PRODUCT}`]: { status: 200, body: product },
      [`GET /api/v1/products/${PRODUCT}/variants`]: { status: 200, body: { items: [] } },
      [`GET ${IMAGES}`]: { status: 200, body: [image({ status: "failed", failure_reason: "cannot decode the image" })] },
    });
    renderProduct();
    expect(await screen.findByText("Processing failed: cannot decode the image")).toBeInTheDocument();
    expect(screen.getByText("Failed")).toBeInTheDocument();
  });
});

describe("managing images", () => {
  it("moves an image down by renumbering positions and deletes one after confirming", async () => {
    let images = [ready({ id: "i1", alt: "Front", position: 0 }), ready({ id: "i2", alt: "Back", position: 3 })];
    const sent = stubApi({
      [`GET /api/v1/products/${PRODUCT}`]: { status: 200, body: product },
      [`GET /api/v1/products/${PRODUCT}/variants`]: { status: 200, body: { items: [] } },
      [`GET ${IMAGES}`]: () => ({ status: 200, body: images }),
      [`PATCH ${IMAGES}/i1`]: (s) => ({ status: 200, body: ready({ id: "i1", alt: "Front", ...(s.body as object) }) }),
      [`PATCH ${IMAGES}/i2`]: (s) => ({ status: 200, body: ready({ id: "i2", alt: "Back", ...(s.body as object) }) }),
      [`DELETE ${IMAGES}/i2`]: () => {
        images = images.filter((i) => i.id !== "i2");
        return { status: 204 };
      },
    });
    const user = renderProduct();
    const first = await screen.findByRole("article", { name: /Image 1/ });
    expect(within(first).getByRole("button", { name: "Move up" })).toBeDisabled();
    await user.click(within(first).getByRole("button", { name: "Move down" }));
    await waitFor(() => expect(sent.filter((s) => s.method === "PATCH")).toHaveLength(2));
    expect(sent.filter((s) => s.method === "PATCH").map((s) => [s.path, s.body])).toEqual([
      [`${IMAGES}/i2`, { position: 0 }],
      [`${IMAGES}/i1`, { position: 1 }],
    ]);

    const second = screen.getByRole("article", { name: /Image 2/ });
    await user.click(within(second).getByRole("button", { name: "Delete…" }));
    const confirm = within(second).getByRole("group", { name: "Confirm deleting image 2" });
    expect(within(confirm).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.click(within(confirm).getByRole("button", { name: "Yes, delete" }));
    await waitFor(() => expect(screen.queryByRole("article", { name: /Image 2/ })).not.toBeInTheDocument());
    expect(sent.filter((s) => s.method === "DELETE").map((s) => s.path)).toEqual([`${IMAGES}/i2`]);
    expect(screen.getByRole("heading", { name: "Images" })).toHaveFocus();
  });

  it("saves edited alt text", async () => {
    const sent = stubApi({
      [`GET /api/v1/products/${PRODUCT}`]: { status: 200, body: product },
      [`GET /api/v1/products/${PRODUCT}/variants`]: { status: 200, body: { items: [] } },
      [`GET ${IMAGES}`]: { status: 200, body: [ready({ alt: "" })] },
      [`PATCH ${IMAGES}/i1`]: { status: 200, body: ready({ alt: "A red teapot" }) },
    });
    const user = renderProduct();
    const alt = await screen.findByLabelText("Alt text of image 1");
    await user.type(alt, "A red teapot");
    await user.click(screen.getByRole("button", { name: "Save alt text" }));
    expect(await screen.findByText("Alt text saved.")).toBeInTheDocument();
    expect(sent.find((s) => s.method === "PATCH")?.body).toEqual({ alt: "A red teapot" });
  });
});
