// A product's uploaded images in the merchant console: upload (multipart), status while the worker renders them (polled), alt text, order and deletion.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap, ApiError, type Schemas } from "../api/client";
import { Field, FormError, fieldErrorsOf } from "../ui/form";
import { Empty, QueryView } from "../ui/states";
import { smallestOf } from "../ui/ProductPicture";
import { StatusBadge } from "./StatusBadge";
import { keys, useProductImages, type ProductImage } from "./queries";

type ImageUpload = Schemas["ImageUpload"];

/** Refetches the image list and everything that shows the product's ready images. */
function useInvalidateImages(productId: string) {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: keys.images(productId) }),
      client.invalidateQueries({ queryKey: keys.product(productId) }),
      client.invalidateQueries({ queryKey: ["product", productId] }),
    ]);
}

export function ProductImages({ productId }: { productId: string }) {
  const { t } = useTranslation("merchant");
  const images = useProductImages(productId);
  const heading = useRef<HTMLHeadingElement>(null);
  return (
    <section className="card product-images" aria-labelledby="images-heading">
      <h3 id="images-heading" ref={heading} tabIndex={-1}>
        {t("images.heading")}
      </h3>
      <p className="muted">{t("images.explain")}</p>
      <UploadForm productId={productId} />
      <QueryView query={images}>
        {(items) =>
          items.length === 0 ? (
            <Empty>{t("images.empty")}</Empty>
          ) : (
            <ImageList productId={productId} images={items} onDeleted={() => heading.current?.focus()} />
          )
        }
      </QueryView>
    </section>
  );
}

function UploadForm({ productId }: { productId: string }) {
  const { t } = useTranslation("merchant");
  const client = useQueryClient();
  const invalidate = useInvalidateImages(productId);
  const [file, setFile] = useState<File | null>(null);
  const [alt, setAlt] = useState("");
  // A new key empties the file input after an upload (its value cannot be set).
  const [inputKey, setInputKey] = useState(0);
  const upload = useMutation({
    mutationFn: ({ file, alt }: { file: File; alt: string }) =>
      unwrap(
        api.POST("/api/v1/products/{id}/images", {
          params: { path: { id: productId } },
          // The schema types the binary part as a string; the serializer turns the body into
          // multipart/form-data, and with a FormData body the browser sets the Content-Type and
          // its boundary itself (none is set here).
          body: { file: file as unknown as string, alt: alt || null },
          bodySerializer: (body: ImageUpload) => {
            const form = new FormData();
            const part = body.file as unknown as File;
            form.append("file", part, part.name);
            if (body.alt) form.append("alt", body.alt);
            return form;
          },
        }),
      ),
    onSuccess: async (image) => {
      client.setQueryData<ProductImage[]>(keys.images(productId), (old) => [...(old ?? []).filter((i) => i.id !== image.id), image]);
      setFile(null);
      setAlt("");
      setInputKey((k) => k + 1);
      await invalidate();
    },
  });
  const errors = fieldErrorsOf(upload.error);
  // A file over the limit has no field error: its problem detail belongs beside the file input.
  const tooLarge = upload.error instanceof ApiError && upload.error.status === 413 ? upload.error.message : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (file) upload.mutate({ file, alt: alt.trim() });
  };
  return (
    <form className="upload-form" onSubmit={submit} aria-labelledby="upload-heading">
      <h4 id="upload-heading" className="visually-hidden">
        {t("images.uploadHeading")}
      </h4>
      <FormError error={upload.error} />
      {upload.isSuccess && (
        <p className="form-success" role="status">
          {t("images.uploaded")}
        </p>
      )}
      <Field
        key={inputKey}
        type="file"
        label={t("images.file")}
        accept="image/jpeg,image/png,image/webp"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        error={errors.file ?? tooLarge}
        hint={t("images.fileHint")}
      />
      <Field
        label={t("images.alt")}
        maxLength={300}
        value={alt}
        onChange={(e) => setAlt(e.target.value)}
        error={errors.alt}
        hint={t("images.altHint")}
      />
      <div className="actions">
        <button type="submit" className="button" disabled={upload.isPending || !file}>
          {upload.isPending ? t("images.uploading") : t("images.upload")}
        </button>
      </div>
    </form>
  );
}

function ImageList({ productId, images, onDeleted }: { productId: string; images: ProductImage[]; onDeleted: () => void }) {
  const { t } = useTranslation("merchant");
  const invalidate = useInvalidateImages(productId);
  // Moving renumbers the images 0, 1, 2… in their new order, patching only those whose position changes.
  const move = useMutation({
    mutationFn: async ({ index, by }: { index: number; by: -1 | 1 }) => {
      const order = [...images];
      const [moved] = order.splice(index, 1);
      if (!moved) return;
      order.splice(index + by, 0, moved);
      for (const [position, image] of order.entries()) {
        if (image.position === position) continue;
        await unwrap(
          api.PATCH("/api/v1/products/{id}/images/{image_id}", {
            params: { path: { id: productId, image_id: image.id } },
            body: { position },
          }),
        );
      }
    },
    onSettled: () => invalidate(),
  });
  return (
    <>
      <FormError error={move.error} />
      <ol className="image-list" aria-label={t("images.list")}>
        {images.map((image, index) => (
          <li key={image.id}>
            <ImageItem
              productId={productId}
              image={image}
              n={index + 1}
              onMove={(by) => move.mutate({ index, by })}
              canMoveUp={index > 0}
              canMoveDown={index < images.length - 1}
              moving={move.isPending}
              onDeleted={onDeleted}
            />
          </li>
        ))}
      </ol>
    </>
  );
}

interface ItemProps {
  productId: string;
  image: ProductImage;
  n: number;
  onMove: (by: -1 | 1) => void;
  canMoveUp: boolean;
  canMoveDown: boolean;
  moving: boolean;
  onDeleted: () => void;
}

function ImageItem({ productId, image, n, onMove, canMoveUp, canMoveDown, moving, onDeleted }: ItemProps) {
  const { t } = useTranslation("merchant");
  const client = useQueryClient();
  const invalidate = useInvalidateImages(productId);
  const [alt, setAlt] = useState(image.alt);
  // When the alt text changes on the server (saved here or elsewhere), show it as it is now.
  const [shownAlt, setShownAlt] = useState(image.alt);
  if (shownAlt !== image.alt) {
    setShownAlt(image.alt);
    setAlt(image.alt);
  }
  const path = { id: productId, image_id: image.id };
  const save = useMutation({
    mutationFn: (body: { alt: string }) =>
      unwrap(api.PATCH("/api/v1/products/{id}/images/{image_id}", { params: { path }, body })),
    onSuccess: async (saved) => {
      client.setQueryData<ProductImage[]>(keys.images(productId), (old) => old?.map((i) => (i.id === saved.id ? saved : i)));
      await invalidate();
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/products/{id}/images/{image_id}", { params: { path } })),
    onSuccess: async () => {
      client.setQueryData<ProductImage[]>(keys.images(productId), (old) => old?.filter((i) => i.id !== image.id));
      onDeleted();
      await invalidate();
    },
  });
  const thumb = image.status === "ready" ? smallestOf(image.renditions) : undefined;
  const headingId = `image-${image.id}-heading`;
  const errors = fieldErrorsOf(save.error);
  return (
    <article className="image-item" aria-labelledby={headingId}>
      <div className="image-thumb">
        {thumb ? (
          <img src={thumb.url} alt="" width={thumb.width} height={thumb.height} loading="lazy" />
        ) : (
          <div className="placeholder-image" aria-hidden="true" />
        )}
      </div>
      <div className="image-details">
        <h4 id={headingId}>
          {t("images.image", { n })} <StatusBadge status={image.status} />
        </h4>
        {image.status === "processing" && <p className="muted">{t("images.processing")}</p>}
        {image.status === "failed" && (
          <p className="field-error">{t("images.failed", { reason: image.failure_reason ?? t("images.noReason") })}</p>
        )}
        <form
          className="form-row"
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate({ alt: alt.trim() });
          }}
        >
          <Field
            label={t("images.altOf", { n })}
            maxLength={300}
            value={alt}
            onChange={(e) => setAlt(e.target.value)}
            error={errors.alt}
          />
          <button type="submit" className="button secondary row-remove" disabled={save.isPending || alt.trim() === image.alt}>
            {t("images.saveAlt")}
          </button>
        </form>
        {save.error && !errors.alt && <FormError error={save.error} />}
        {save.isSuccess && (
          <p className="form-success" role="status">
            {t("images.altSaved")}
          </p>
        )}
        <div className="actions">
          <button type="button" className="button secondary" disabled={!canMoveUp || moving} onClick={() => onMove(-1)}>
            {t("images.moveUp")}
          </button>
          <button type="button" className="button secondary" disabled={!canMoveDown || moving} onClick={() => onMove(1)}>
            {t("images.moveDown")}
          </button>
          <DeleteImage n={n} remove={remove} />
        </div>
        <FormError error={remove.error} />
      </div>
    </article>
  );
}

/** Delete with a confirmation step, keeping keyboard focus on the control that replaced the one pressed. */
function DeleteImage({ n, remove }: { n: number; remove: { mutate: () => void; isPending: boolean } }) {
  const { t } = useTranslation("merchant");
  const [confirming, setConfirming] = useState(false);
  const start = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    if (confirming) cancel.current?.focus();
    else if (opened.current) start.current?.focus();
    opened.current ||= confirming;
  }, [confirming]);
  return confirming ? (
    <span className="actions" role="group" aria-label={t("images.confirmGroup", { n })}>
      <span>{t("images.confirm", { n })}</span>
      <button type="button" className="button danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
        {t("images.yes")}
      </button>
      <button ref={cancel} type="button" className="button secondary" onClick={() => setConfirming(false)}>
        {t("images.cancel")}
      </button>
    </span>
  ) : (
    <button ref={start} type="button" className="button danger" onClick={() => setConfirming(true)}>
      {t("images.delete")}
    </button>
  );
}
