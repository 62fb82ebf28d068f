"use client";

import { LIMITS } from "@/lib/limits";
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { decideApprovalAction, overrideGateAction, tickChecklistAction } from "@/lib/actions/deployments";
import { useAction } from "@/lib/actions/use-action";
import { ROLE_LABELS, roleName, type ApproverRole } from "@/lib/auth/roles";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm";

import type { DecisionProps } from "@/lib/services/decision-queries";
export type { DecisionProps };

/** What the signed-in person can do about a waiting deployment: decide, tick, override. */
export function DecisionControls({ deploymentId, approveRoles, decided, checklist, overridable }: DecisionProps) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["deployment", deploymentId] });
    router.refresh();
  };
  const [role, setRole] = useState<ApproverRole | undefined>(approveRoles[0]);
  // Ticks show at once; a refusal from the server puts the box back.
  const [ticked, setTicked] = useState<Record<string, boolean>>(() => Object.fromEntries(checklist.items.map((i) => [i.item, i.tickedBy !== null])));
  const [comment, setComment] = useState("");
  const decideRun = useAction(decideApprovalAction);
  const tick = useAction(tickChecklistAction);
  const override = useAction(overrideGateAction, { success: "Override recorded" });

  const decideWith = async (decision: "approve" | "reject") => {
    // The select starts at the first role; a list that arrived after the first render has no choice yet.
    const chosen = role ?? approveRoles[0];
    if (!chosen) return;
    const result = await decideRun.run({ deploymentId, decision, role: chosen, comment: comment || undefined });
    if (result.ok) {
      // In the inbox the card goes away on refresh: say what was recorded.
      toast.success(`${decision === "approve" ? "Approved" : "Rejected"} as ${roleName(chosen)}`);
      setComment("");
      refresh();
    }
    return result; // a refused Reject keeps its dialog open, saying why
  };

  return (
    <div className="flex flex-col gap-4">
      {approveRoles.length > 0 && (
        <section role="region" aria-label="Your decision" className="flex flex-wrap items-end gap-2">
          {decided && (
            <p className="w-full text-zinc-700">
              You {decided.decision === "approve" ? "approved" : "rejected"} this as {roleName(decided.role)}. {decided.decision === "approve" ? "Rejecting it now replaces your approval." : ""}
            </p>
          )}
          <label className="flex flex-col gap-1 text-xs text-zinc-600">
            Decide as
            <select value={role} onChange={(e) => setRole(e.target.value as ApproverRole)} className="h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm">
              {approveRoles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-1 flex-col gap-1 text-xs text-zinc-600">
            Comment
            <input
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              maxLength={LIMITS.approvalComment}
              placeholder="optional for an approval; say why when rejecting"
              className="h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm"
            />
          </label>
          {decided?.decision !== "approve" && (
            <Button variant="primary" disabled={decideRun.pending} onClick={() => decideWith("approve")}>
              Approve
            </Button>
          )}
          <ConfirmButton label="Reject…" size="md" title="Reject this deployment?" confirmLabel="Reject" pending={decideRun.pending} onConfirm={() => decideWith("reject")}>
            A rejection stops the deployment; the requester will have to ask again.{decided?.decision === "approve" ? " It replaces your approval." : ""} {comment ? "Your comment goes with it." : "Add a comment first to say why."}
          </ConfirmButton>
        </section>
      )}
      {checklist.items.length > 0 && (
        <fieldset aria-label="Pre-flight checklist" disabled={!checklist.canTick} className="flex flex-col gap-1">
          <legend className="mb-1 text-xs font-medium text-zinc-600">
            Pre-flight checklist{checklist.canTick ? "" : " (ticked by the requester)"}
            {tick.pending && (
              <span className="ml-2 font-normal text-zinc-500" aria-live="polite">
                saving…
              </span>
            )}
          </legend>
          {checklist.items.map(({ item, tickedBy }) => (
            <label key={item} className="flex items-center gap-2">
              <input
                type="checkbox"
                checked={ticked[item] ?? tickedBy !== null}
                onChange={async (e) => {
                  const value = e.target.checked;
                  setTicked((t) => ({ ...t, [item]: value }));
                  const result = await tick.run({ deploymentId, item, ticked: value });
                  if (result.ok) refresh();
                  else setTicked((t) => ({ ...t, [item]: !value }));
                }}
              />
              <span>{item}</span>
              {tickedBy && <span className="text-xs text-zinc-500">ticked by {tickedBy}</span>}
            </label>
          ))}
        </fieldset>
      )}
      {overridable.length > 0 && (
        <section aria-label="Overrides" className="flex flex-wrap items-center gap-2">
          {overridable.map((gate) => (
            <ConfirmButton
              key={gate}
              label={gate === "window" ? "Override the deploy window…" : "Override the freeze…"}
              title={gate === "window" ? "Deploy outside the window?" : "Deploy during the freeze?"}
              confirmLabel="Override"
              askReason="required"
              pending={override.pending}
              onConfirm={async (reason) => {
                const result = await override.run({ deploymentId, gate, reason });
                if (result.ok) refresh();
                return result;
              }}
            >
              The override is recorded with your name and reason, audited, and shown in this deployment&apos;s history.
            </ConfirmButton>
          ))}
        </section>
      )}
    </div>
  );
}
