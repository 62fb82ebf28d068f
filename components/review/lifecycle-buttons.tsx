"use client";

import { useRouter } from "next/navigation";
import { extendReviewAction, teardownReviewAction } from "@/lib/actions/review-environments";
import { useAction } from "@/lib/actions/use-action";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm";
import { pipelinePath } from "@/lib/paths";

const EXTEND_HOURS = 24;

/** One more day; the service refuses past slipway.yaml's longest lifetime and says until when it may live. */
export function ExtendButton({ environmentRef }: { environmentRef: string }) {
  const { run, pending } = useAction(extendReviewAction, { success: (r) => `${r.name} extended by ${EXTEND_HOURS} h` });
  return (
    <Button size="sm" disabled={pending} onClick={() => void run({ name: environmentRef, hours: EXTEND_HOURS })}>
      {pending ? "Extending…" : `Extend +${EXTEND_HOURS} h`}
    </Button>
  );
}

/**
 * Tears the environment down, then goes to the board: once the controller has finished, the
 * environment's own page no longer exists (only its record, in history and audit).
 */
export function TeardownButton({ environment, environmentRef, source, pipeline }: { environment: string; environmentRef: string; source: string | null; pipeline?: string }) {
  const router = useRouter();
  const { run, pending } = useAction(teardownReviewAction, { success: (r) => `${r.name} is being torn down` });
  return (
    <ConfirmButton
      label="Tear down…"
      title={`Tear down ${environment}?`}
      confirmLabel={`Tear down ${environment}`}
      askReason="optional"
      pending={pending}
      testId="teardown-review"
      onConfirm={async (reason) => {
        const result = await run({ name: environmentRef, reason: reason || undefined });
        if (result.ok) router.push(pipeline ? pipelinePath(pipeline) : "/");
        return result;
      }}
    >
      <ul className="list-disc space-y-1 pl-5">
        <li>Its processes stop and its addresses stop answering.</li>
        <li>
          Its data (a copy of {source ?? "its source"}&apos;s) and its config are removed. {source ?? "The source"} is not touched.
        </li>
        <li>Deployments still waiting for it are cancelled.</li>
        <li>Its record stays: deployments, verdicts and the audit trail remain in history.</li>
      </ul>
    </ConfirmButton>
  );
}
