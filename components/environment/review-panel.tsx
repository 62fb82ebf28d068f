import type { EnvironmentView } from "@/lib/services/environments";
import type { reviewConversation } from "@/lib/services/environments";
import { VerdictBadge } from "@/components/status";
import { Facts, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** A review environment's facts and the delivery lead's conversation about it. */
export function ReviewPanel({ environment, conversation, now }: { environment: EnvironmentView; conversation: Awaited<ReturnType<typeof reviewConversation>>; now: Date }) {
  return (
    <Panel title="Review" bodyClassName="px-4 py-3">
      <Facts
        items={[
          ["Branch", <span key="b" className="font-mono">{environment.branch}</span>],
          ["Cloned from", environment.source],
          ["Owner", environment.owner?.name ?? "—"],
          ["Expires", environment.expiresAt ? <RelativeTime key="e" at={environment.expiresAt} now={now} /> : "never"],
          ["Verdict", <VerdictBadge key="v" verdict={environment.verdict} />],
        ]}
      />
      {conversation.length > 0 && (
        <ol className="mt-4 flex flex-col gap-2 border-t border-zinc-100 pt-3">
          {conversation.map((v) => (
            <li key={v.id}>
              <VerdictBadge verdict={v.verdict} /> <span className="font-medium">{v.user.name}</span>{" "}
              <span className="text-xs text-zinc-500">
                <RelativeTime at={v.createdAt} now={now} />
              </span>
              {v.comment && <p className="mt-0.5 text-zinc-700">{v.comment}</p>}
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
