"use client";

import { useState } from "react";
import { verifyAuditTrailAction } from "@/lib/actions/audit";
import { useAction } from "@/lib/actions/use-action";
import type { AuditVerification } from "@/lib/services/audit-verify";
import { Button } from "@/components/ui/button";

const count = (n: number) => `${n.toLocaleString("en")} event${n === 1 ? "" : "s"}`;

/**
 * Re-checks the hash chain from the first event and says what it found: intact with the last
 * hash (worth noting down elsewhere: removals at the very end only show against it), or the first
 * broken link and what it means.
 */
export function VerifyChain() {
  const [result, setResult] = useState<AuditVerification | null>(null);
  const verify = useAction(verifyAuditTrailAction);

  async function run() {
    setResult(null);
    const outcome = await verify.run(undefined);
    if (outcome.ok) setResult(outcome.data);
  }

  return (
    <div className="flex items-center gap-2">
      <div id="audit-chain-result" role="status" aria-live="polite" className="max-w-md text-right text-xs">
        {result?.intact === true && (
          <p className="text-emerald-800">
            Chain intact: {count(result.count)} verified
            {result.lastSeq !== null && (
              <>
                {" "}
                up to #{result.lastSeq}, last hash{" "}
                <code className="font-mono break-all" title="The head's hash: the checkpoint kept outside the trail holds the same one">
                  {result.lastHash.slice(0, 16)}…
                </code>{" "}
                — the head the database checkpointed outside the trail, so none of the newest events is missing
              </>
            )}
          </p>
        )}
        {result?.intact === false && (
          <p className="rounded-md bg-rose-50 px-2 py-1 text-rose-800">
            <strong>{result.broken.problem === "truncated-tail" ? `Events missing from #${result.broken.seq}` : `Chain broken at #${result.broken.seq}`}</strong> after {count(result.count)} verified intact: {result.broken.message}.
          </p>
        )}
      </div>
      <Button onClick={run} disabled={verify.pending} aria-describedby="audit-chain-result">
        {verify.pending ? "Verifying the chain…" : "Verify chain"}
      </Button>
    </div>
  );
}
