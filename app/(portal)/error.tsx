"use client";

import { Button } from "@/components/ui/button";

export default function PortalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-4 py-6 text-rose-900">
      <h1 className="font-semibold">This page could not be loaded</h1>
      <p className="mt-1">Something went wrong on the server{error.digest ? ` (reference ${error.digest})` : ""}. Nothing was changed.</p>
      <Button className="mt-3" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
