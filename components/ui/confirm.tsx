"use client";

import { LIMITS } from "@/lib/limits";
import { useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { Button } from "./button";

/**
 * A confirmation before an action that matters. With `typeToConfirm`, the person must type a word
 * (e.g. the environment's name) before the button enables. Uses the native <dialog>: focus is
 * trapped and Escape cancels.
 */
export function ConfirmButton({
  label,
  title,
  children,
  confirmLabel,
  variant = "secondary",
  confirmVariant = "danger",
  size = "sm",
  typeToConfirm,
  askReason,
  onConfirm,
  pending,
  disabled,
  disabledReason,
  testId,
  dismissLabel = "Cancel",
}: {
  label: React.ReactNode;
  title: string;
  children?: React.ReactNode;
  confirmLabel: string;
  variant?: "primary" | "secondary" | "danger" | "ghost";
  confirmVariant?: "primary" | "danger";
  size?: "sm" | "md";
  typeToConfirm?: string;
  /** Ask for a reason (recorded in history and audit); "required" blocks confirming without one. */
  askReason?: "optional" | "required";
  onConfirm: (reason: string) => Promise<unknown> | void;
  pending?: boolean;
  disabled?: boolean;
  /** Said beside the button while it is disabled (a disabled button takes no focus, so a tooltip would reach no keyboard user). */
  disabledReason?: string | undefined;
  testId?: string;
  /** The button that closes the dialog without acting; name it by its effect when "Cancel" would be ambiguous. */
  dismissLabel?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const [typed, setTyped] = useState("");
  const [reason, setReason] = useState("");
  const titleId = useId();
  const reasonId = useId();
  const disabledReasonId = useId();
  const explainDisabled = Boolean(disabled && !pending && disabledReason);
  const ready = (!typeToConfirm || typed === typeToConfirm) && (askReason !== "required" || reason.trim().length > 0);

  useEffect(() => {
    if (!pending) dialog.current?.close();
  }, [pending]);

  // What the button acted on often goes away with it (a lifted freeze's row, a revoked token): focus
  // would fall to <body> and the next Tab start over at the top of the page. A layout cleanup runs
  // while the elements are still in the document, so it can tell whether they held focus.
  useLayoutEffect(() => {
    const button = trigger.current;
    const box = dialog.current;
    return () => {
      const focused = document.activeElement;
      if (!focused || !(focused === button || box?.contains(focused))) return;
      setTimeout(() => {
        if (document.activeElement === document.body || document.activeElement === null) document.getElementById("main")?.focus({ preventScroll: true });
      }, 0);
    };
  }, []);

  return (
    <>
      <Button ref={trigger} variant={variant} size={size} disabled={disabled || pending} onClick={() => dialog.current?.showModal()} data-testid={testId} aria-describedby={explainDisabled ? disabledReasonId : undefined}>
        {label}
      </Button>
      {explainDisabled && (
        <span id={disabledReasonId} className="self-center text-xs text-zinc-500">
          {disabledReason}
        </span>
      )}
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="m-auto w-full max-w-md rounded-lg border border-zinc-200 p-0 shadow-xl"
        onClose={() => {
          setTyped("");
          setReason("");
        }}
      >
        <form
          method="dialog"
          className="flex flex-col gap-3 p-5"
          onSubmit={async (event) => {
            event.preventDefault();
            if (!ready) return;
            await onConfirm(reason.trim());
            dialog.current?.close();
          }}
        >
          <h2 id={titleId} className="text-base font-semibold">
            {title}
          </h2>
          {children && <div className="text-zinc-700">{children}</div>}
          {askReason && (
            <label htmlFor={reasonId} className="flex flex-col gap-1 text-zinc-700">
              <span>Reason {askReason === "optional" ? <span className="text-zinc-400">(optional)</span> : <span className="text-zinc-500">(required)</span>}</span>
              <textarea
                id={reasonId}
                value={reason}
                required={askReason === "required"}
                maxLength={LIMITS.reason}
                rows={2}
                autoFocus={!typeToConfirm}
                onChange={(e) => setReason(e.target.value)}
                className="rounded-md border border-zinc-300 px-2 py-1"
              />
            </label>
          )}
          {typeToConfirm && (
            <label className="flex flex-col gap-1 text-zinc-700">
              <span>
                Type <strong className="font-mono">{typeToConfirm}</strong> to confirm
              </span>
              <input autoFocus value={typed} onChange={(e) => setTyped(e.target.value)} className="h-8 rounded-md border border-zinc-300 px-2 font-mono" />
            </label>
          )}
          <div className="mt-2 flex justify-end gap-2">
            <Button variant="ghost" onClick={() => dialog.current?.close()}>
              {dismissLabel}
            </Button>
            <Button type="submit" variant={confirmVariant} disabled={!ready || pending} autoFocus={!typeToConfirm && !askReason}>
              {pending ? "Working…" : confirmLabel}
            </Button>
          </div>
        </form>
      </dialog>
    </>
  );
}
