"use client";

import { useState, useTransition } from "react";
import { toast } from "sonner";
import type { FieldErrors } from "@/lib/services/errors";
import type { ActionResult } from "./result";

/**
 * Runs a server action and tracks its state: pending while it runs, field errors to show next to
 * inputs, and a toast for the outcome.
 */
export function useAction<I, T>(action: (input: I) => Promise<ActionResult<T>>, options: { success?: string | ((data: T) => string) } = {}) {
  const [pending, startTransition] = useTransition();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);

  function run(input: I): Promise<ActionResult<T>> {
    return new Promise((resolve) => {
      startTransition(async () => {
        const result = await action(input);
        if (result.ok) {
          setFieldErrors({});
          setError(null);
          const message = typeof options.success === "function" ? options.success(result.data) : options.success;
          if (message) toast.success(message);
        } else {
          setFieldErrors(result.error.fields ?? {});
          setError(result.error.message);
          toast.error(result.error.message);
        }
        resolve(result);
      });
    });
  }

  return { run, pending, fieldErrors, error };
}
