import type { EnvironmentState } from "@/db/schema/enums";
import { CopyText } from "@/components/ui/copy";

/**
 * Where a reviewer opens the environment: every app's address, large enough to find at a glance,
 * each with a copy button for pasting into a ticket or a chat.
 */
export function ReviewAddresses({ addresses, state }: { addresses: { app: string; url: string }[]; state: EnvironmentState }) {
  if (!addresses.length) {
    return <p className="text-zinc-500">{state === "provisioning" ? "Its addresses are assigned while it provisions." : "No address: nothing runs here."}</p>;
  }
  return (
    <div>
      <ul aria-label="Addresses" className="flex flex-col gap-1.5">
        {addresses.map(({ app, url }) => (
          <li key={app} className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="w-24 shrink-0 text-xs text-zinc-500">{app}</span>
            <a href={url} target="_blank" rel="noreferrer" className="font-mono text-[0.95rem] font-medium text-sky-700 hover:underline" aria-label={`Open ${app} at ${url} in a new tab`}>
              {url.replace(/^https?:\/\//, "")} ↗
            </a>
            <CopyText value={url} display="Copy" className="px-1.5 py-0.5 font-sans text-xs text-zinc-600 ring-1 ring-zinc-300 ring-inset" />
          </li>
        ))}
      </ul>
      {state === "sleeping" && <p className="mt-2 text-xs text-zinc-500">Asleep after a while without requests: the first request wakes it, which takes a few seconds.</p>}
    </div>
  );
}
