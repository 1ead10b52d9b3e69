// A button that asks before it acts: the question and Confirm / Cancel appear in its place
// (Escape cancels), and focus returns to the button afterwards, so it works from the keyboard.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";

interface ConfirmButtonProps {
  label: string;
  /** What is about to happen, asked before `onConfirm` runs. */
  question: string;
  onConfirm: () => void;
  disabled?: boolean;
  className?: string;
  /** Id of the element naming what the button acts on (e.g. the row's e-mail cell). */
  describedBy?: string;
}

export function ConfirmButton({ label, question, onConfirm, disabled, className = "button danger", describedBy }: ConfirmButtonProps) {
  const { t } = useTranslation("admin");
  const [asking, setAsking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const questionId = useId();

  useEffect(() => {
    if (!asking && refocus.current) {
      refocus.current = false;
      trigger.current?.focus();
    }
  }, [asking]);

  const close = () => {
    refocus.current = true;
    setAsking(false);
  };

  if (!asking) {
    return (
      <button
        ref={trigger}
        type="button"
        className={className}
        disabled={disabled}
        aria-describedby={describedBy}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") close();
  };
  return (
    <div role="group" aria-labelledby={questionId} className="confirm" onKeyDown={onKeyDown}>
      <span id={questionId}>{question}</span>
      <button
        type="button"
        className="button danger"
        autoFocus
        onClick={() => {
          close();
          onConfirm();
        }}
      >
        {t("common.confirm")}
      </button>
      <button type="button" className="button secondary" onClick={close}>
        {t("common.cancel")}
      </button>
    </div>
  );
}
