"use client";

import { LIMITS } from "@/lib/limits";
import { useId, useState } from "react";
import { giveVerdictAction } from "@/lib/actions/review-environments";
import { useAction } from "@/lib/actions/use-action";
import { Button } from "@/components/ui/button";

type Verdict = "accepted" | "changes-requested";

/**
 * A delivery lead's verdict on what runs in the review environment. Requesting changes needs a
 * comment saying which; the service checks that and its message shows under the field.
 */
export function VerdictForm({ environment, environmentRef }: { environment: string; environmentRef: string }) {
  const id = useId();
  const [comment, setComment] = useState("");
  const { run, pending, fieldErrors, error } = useAction(giveVerdictAction, {
    success: () => "Verdict recorded",
  });
  const commentError = fieldErrors.comment;

  async function submit(verdict: Verdict) {
    const result = await run({ name: environmentRef, verdict, comment });
    if (result.ok) setComment("");
  }

  return (
    <form
      aria-labelledby={`${id}-title`}
      className="flex flex-col gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
        void submit(submitter?.value === "changes-requested" ? "changes-requested" : "accepted");
      }}
    >
      <h3 id={`${id}-title`} className="text-xs font-semibold tracking-wide text-zinc-500 uppercase">
        Your verdict
      </h3>
      <label htmlFor={`${id}-comment`} className="text-xs font-medium text-zinc-600">
        Comment <span className="font-normal text-zinc-500">(required to request changes: say which)</span>
      </label>
      <textarea
        id={`${id}-comment`}
        name="comment"
        rows={2}
        maxLength={LIMITS.verdictComment}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        className="rounded-md border border-zinc-300 px-2 py-1 aria-[invalid=true]:border-rose-500"
        aria-invalid={Boolean(commentError)}
        aria-describedby={commentError ? `${id}-comment-error` : undefined}
      />
      {commentError && (
        <span id={`${id}-comment-error`} className="text-xs text-rose-700">
          {commentError}
        </span>
      )}
      {error && !commentError && (
        <p role="alert" className="text-xs text-rose-700">
          {error}
        </p>
      )}
      <div className="flex gap-2">
        <Button type="submit" name="verdict" value="accepted" variant="primary" disabled={pending}>
          Accept
        </Button>
        <Button type="submit" name="verdict" value="changes-requested" disabled={pending}>
          Request changes
        </Button>
      </div>
    </form>
  );
}
