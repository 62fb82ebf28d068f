import type { EnvironmentState } from "@/db/schema/enums";
import { CopyText } from "@/components/ui/copy";

/** One address; `from` names the source environment when the source serves the app (a partial review environment). */
export interface ReviewAddress {
  app: string;
  url: string;
  from?: string;
}

/**
 * Where a reviewer opens the environment: every app's address, large enough to find at a glance,
 * each with a copy button for pasting into a ticket or a chat. Apps the environment does not run
 * itself are marked "from <source>" and link to the source's address.
 */
export function ReviewAddresses({ addresses, state }: { addresses: ReviewAddress[]; state: EnvironmentState }) {
  const own = addresses.filter((a) => !a.from);
  if (!addresses.length) {
    return <p className="text-zinc-500">{state === "provisioning" ? "Its addresses are assigned while it provisions." : "No address: nothing runs here."}</p>;
  }
  const inherited = addresses.filter((a) => a.from);
  return (
    <div>
      {!own.length && state === "provisioning" && <p className="mb-2 text-zinc-500">Its own addresses are assigned while it provisions.</p>}
      <ul aria-label="Addresses" className="flex flex-col gap-1.5">
        {addresses.map(({ app, url, from }) => (
          <li key={app} className="flex flex-wrap items-center gap-x-3 gap-y-1" data-served-by={from ?? "own"}>
            <span className="w-24 shrink-0 text-xs text-zinc-500">{app}</span>
            <a
              href={url}
              target="_blank"
              rel="noreferrer"
              className={`font-mono text-[0.95rem] font-medium hover:underline ${from ? "text-zinc-600" : "text-sky-700"}`}
              aria-label={`Open ${app}${from ? ` (served by ${from})` : ""} at ${url} in a new tab`}
            >
              {url.replace(/^https?:\/\//, "")} ↗
            </a>
            {from && <span className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs text-zinc-600">from {from}</span>}
            <CopyText value={url} display="Copy" className="px-1.5 py-0.5 font-sans text-xs text-zinc-600 ring-1 ring-zinc-300 ring-inset" />
          </li>
        ))}
      </ul>
      {inherited.length > 0 && (
        <p className="mt-2 text-xs text-zinc-500">
          This environment runs only the apps that differ from {inherited[0]!.from}; {inherited.map((a) => a.app).join(", ")} {inherited.length === 1 ? "is" : "are"} served by {inherited[0]!.from}, and its own apps call{" "}
          {inherited.length === 1 ? "it" : "them"} there.
        </p>
      )}
      {state === "sleeping" && <p className="mt-2 text-xs text-zinc-500">Asleep after a while without requests: the first request wakes it, which takes a few seconds.</p>}
    </div>
  );
}
