"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { auditEventDataAction } from "@/lib/actions/audit";
import { canonicalJson } from "@/lib/domain/canonical-json";
import { Spinner } from "@/components/ui/spinner";

const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`);

/**
 * An audit event's data behind "show": read when a person opens it (the page lists only each
 * event's size), shown with its keys sorted as the hash chain records it.
 */
export function AuditEventData({ seq, bytes }: { seq: number; bytes: number }) {
  const [open, setOpen] = useState(false);
  const query = useQuery({
    queryKey: ["audit-event-data", seq],
    queryFn: async () => {
      const result = await auditEventDataAction({ seq });
      if (!result.ok) throw new Error(result.error.message);
      return JSON.stringify(JSON.parse(canonicalJson(result.data.data)), null, 2);
    },
    enabled: open,
    // Audit events never change: once read, kept for the page's life.
    staleTime: Infinity,
    retry: false,
  });
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className="cursor-pointer whitespace-nowrap text-sky-700 select-none">
        show <span className="text-zinc-400">({size(bytes)})</span>
      </summary>
      {query.isSuccess ? (
        <pre className="mt-1 max-h-64 max-w-md overflow-auto rounded bg-zinc-50 p-2 font-mono text-[0.7rem] whitespace-pre-wrap text-zinc-700">{query.data}</pre>
      ) : query.isError ? (
        <p role="alert" className="mt-1 text-rose-700">
          Could not read the data: {query.error.message}{" "}
          <button type="button" className="text-sky-700 underline" onClick={() => void query.refetch()}>
            Try again
          </button>
        </p>
      ) : (
        <p role="status" className="mt-1 flex items-center gap-1.5 text-zinc-500">
          <Spinner /> Reading…
        </p>
      )}
    </details>
  );
}
