/** A deployment's reason (the requester's words) and, beneath it, why it failed: kept apart, as the history and an environment's recent deployments show them. */
export function ReasonAndFailure({ reason, failure }: { reason: string | null; failure: string | null }) {
  return (
    <>
      {reason ?? ""}
      {failure && (
        <p className="line-clamp-3 text-xs text-red-800" title={failure}>
          Failed: {failure}
        </p>
      )}
    </>
  );
}
