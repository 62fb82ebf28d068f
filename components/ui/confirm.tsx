"use client";

import { LIMITS } from "@/lib/limits";
import { useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { Button } from "./button";

/**
 * A confirmation before an action that matters. With `typeToConfirm`, the person must type a word
 * (e.g. the environment's name) before the button enables. Uses the native <dialog>: focus is
 * trapped and Escape cancels. What the dialog says is rendered when it opens, not before: a page
 * has many such buttons (a board's promotions carry their whole preview), and closed dialogs cost
 * the server their HTML on every view for nobody to read (issue 13).
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
  /** Runs the action; when it resolves to a failed ActionResult (`{ ok: false, error }`), the dialog stays open and says why. */
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
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  /**
   * From confirming until focus is handed back: the buttons are disabled while the action runs (and
   * the page refreshes), so focus sits on <body> meanwhile and the dialog cannot return it.
   */
  const acting = useRef(false);
  const [typed, setTyped] = useState("");
  const [reason, setReason] = useState("");
  /** Why the last attempt failed; the dialog stays open with what was typed, to correct or cancel. */
  const [failure, setFailure] = useState<string | null>(null);
  const submit = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const disabledReasonId = useId();
  const explainDisabled = Boolean(disabled && !pending && disabledReason);
  const ready = (!typeToConfirm || typed === typeToConfirm) && (askReason !== "required" || reason.trim().length > 0);

  useEffect(() => {
    if (!open || !dialog.current || dialog.current.open) return;
    dialog.current.showModal();
    // Explicitly: the fields mount with the dialog, and browsers differ on what showModal() focuses by itself.
    dialog.current.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, [open]);

  // Once the action (and the page's refresh) is done. Reads the failure through a ref: clearing it
  // on the next submit must not close the dialog before that attempt is even pending.
  const failed = useRef(false);
  const wasPending = useRef(false);
  useEffect(() => {
    if (pending) {
      wasPending.current = true;
      return;
    }
    // Only the end of an action closes the dialog: effects also run again when React shows a
    // hidden page again, and that closed a dialog someone was reading (an e2e test caught it).
    if (!wasPending.current) return;
    wasPending.current = false;
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (failed.current) {
      // Refused: still open, its confirm button enabled again.
      if (acting.current && lost) submit.current?.focus();
    } else {
      dialog.current?.close();
      // Done and still here: focus goes back to the button that opened the dialog.
      if (acting.current && lost) trigger.current?.focus();
    }
    acting.current = false;
  }, [pending]);

  // What the button acted on often goes away with it (a lifted freeze's row, a revoked token): focus
  // would fall to <body> and the next Tab start over at the top of the page. A layout cleanup runs
  // while the elements are still in the document, so it can tell whether they held focus.
  useLayoutEffect(() => {
    const button = trigger.current;
    const box = dialog.current;
    return () => {
      const focused = document.activeElement;
      const ours = focused !== null && (focused === button || box?.contains(focused));
      if (!ours && !(acting.current && (focused === null || focused === document.body))) return;
      setTimeout(() => {
        if (document.activeElement === document.body || document.activeElement === null) document.getElementById("main")?.focus({ preventScroll: true });
      }, 0);
    };
  }, []);

  return (
    <>
      <Button ref={trigger} variant={variant} size={size} disabled={disabled || pending} onClick={() => setOpen(true)} aria-haspopup="dialog" data-testid={testId} aria-describedby={explainDisabled ? disabledReasonId : undefined}>
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
          setFailure(null);
          failed.current = false;
          setOpen(false);
        }}
      >
        {open && (
          <form
            method="dialog"
            className="flex flex-col gap-3 p-5"
            onSubmit={async (event) => {
              event.preventDefault();
              if (!ready) return;
              acting.current = true;
              failed.current = false;
              setFailure(null);
              const outcome = await onConfirm(reason.trim());
              // Without a `pending` prop no effect follows the action: nothing is left to hand focus back.
              if (pending === undefined) acting.current = false;
              if (isFailure(outcome)) {
                failed.current = true;
                setFailure(outcome.error.message);
              } else dialog.current?.close();
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
                  data-autofocus={!typeToConfirm || undefined}
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
                <input data-autofocus value={typed} onChange={(e) => setTyped(e.target.value)} className="h-8 rounded-md border border-zinc-300 px-2 font-mono" />
              </label>
            )}
            {failure && (
              // Not role="alert": the action's toast already announces it; this keeps it beside the form.
              <p data-testid="confirm-failure" className="rounded-md bg-red-50 px-3 py-2 text-red-800 ring-1 ring-red-200 ring-inset">
                {failure}
              </p>
            )}
            <div className="mt-2 flex justify-end gap-2">
              <Button variant="ghost" onClick={() => dialog.current?.close()}>
                {dismissLabel}
              </Button>
              <Button ref={submit} type="submit" variant={confirmVariant} disabled={!ready || pending} data-autofocus={(!typeToConfirm && !askReason) || undefined}>
                {pending ? "Working…" : confirmLabel}
              </Button>
            </div>
          </form>
        )}
      </dialog>
    </>
  );
}

/** A server action's failed result (lib/actions/result.ts), as onConfirm may resolve to. */
function isFailure(outcome: unknown): outcome is { ok: false; error: { message: string } } {
  if (typeof outcome !== "object" || outcome === null || !("ok" in outcome) || outcome.ok !== false || !("error" in outcome)) return false;
  const error = outcome.error;
  return typeof error === "object" && error !== null && "message" in error && typeof error.message === "string";
}
