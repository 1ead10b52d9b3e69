// Form pieces the merchant console needs beyond the shared ones: a labelled textarea with its API
// error, and an editor of repeatable rows (attributes, variant options, images) whose fields show
// the error of their path (`images[1].url`).
import { useId, useRef, type InputHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { useTranslation } from "react-i18next";
import { Field } from "../ui/form";
import type { FieldErrors } from "./productDraft";

interface TextAreaProps extends TextareaHTMLAttributes<HTMLTextAreaElement> {
  label: string;
  error?: string | undefined;
}

export function TextAreaField({ label, error, id, ...textarea }: TextAreaProps) {
  const generated = useId();
  const areaId = id ?? generated;
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={areaId}>{label}</label>
      <textarea
        id={areaId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${areaId}-error` : undefined}
        {...textarea}
      />
      {error && (
        <small id={`${areaId}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export interface RowColumn<T> {
  field: keyof T & string;
  label: string;
  /** The field's name in the API's error paths, e.g. `url` in `images[0].url`. */
  apiField: string;
  input?: InputHTMLAttributes<HTMLInputElement>;
}

interface RowsEditorProps<T extends { key: string }> {
  legend: string;
  /** Names one row for assistive technology, e.g. "Attribute 2". */
  rowLabel: (n: number) => string;
  addLabel: string;
  rows: T[];
  columns: RowColumn<T>[];
  create: () => T;
  onChange: (rows: T[]) => void;
  /** Error path of the list, e.g. `images` or `variants[0].options`. */
  path: string;
  errors: FieldErrors;
}

export function RowsEditor<T extends { key: string }>(props: RowsEditorProps<T>) {
  const { legend, rowLabel, addLabel, rows, columns, create, onChange, path, errors } = props;
  const { t } = useTranslation("merchant");
  const add = useRef<HTMLButtonElement>(null);
  const remove = (index: number) => {
    onChange(rows.filter((_, i) => i !== index));
    add.current?.focus(); // the pressed button is gone; keep keyboard users in the list
  };
  const update = (index: number, field: keyof T, value: string) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, [field]: value } : row)));
  return (
    <fieldset className="rows-editor">
      <legend>{legend}</legend>
      {errors[path] && (
        <p className="field-error" role="alert">
          {errors[path]}
        </p>
      )}
      {rows.map((row, i) => (
        <fieldset key={row.key} className="row-item">
          <legend className="visually-hidden">{rowLabel(i + 1)}</legend>
          <div className="form-row">
            {columns.map((column) => (
              <Field
                key={column.field}
                label={column.label}
                value={String(row[column.field])}
                onChange={(e) => update(i, column.field, e.target.value)}
                error={errors[`${path}[${i}].${column.apiField}`]}
                {...column.input}
              />
            ))}
            <button
              type="button"
              className="button secondary row-remove"
              onClick={() => remove(i)}
            >
              {t("rows.remove")} <span className="visually-hidden">{rowLabel(i + 1)}</span>
            </button>
          </div>
        </fieldset>
      ))}
      <button ref={add} type="button" className="button secondary" onClick={() => onChange([...rows, create()])}>
        {addLabel}
      </button>
    </fieldset>
  );
}
