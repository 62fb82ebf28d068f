import { describeRecurrence } from "@/lib/domain/recurrence-text";

/** A recurrence rule in words, with the rule itself beside it (muted) for whoever edits slipway.yaml or the API. */
export function Recurrence({ rule }: { rule: string }) {
  const words = describeRecurrence(rule);
  return (
    <>
      {words}
      {words !== rule && (
        <>
          {" "}
          {/* The space is text: copied or read aloud, the words and the rule stay apart. */}
          <code className="font-mono text-[0.7rem] text-zinc-400">({rule})</code>
        </>
      )}
    </>
  );
}
