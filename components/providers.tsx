"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { Toaster } from "sonner";
import { RelativeTimeTicker } from "./ui/relative-time-ticker";
import { CurrentPipelineProvider } from "./shell/current-pipeline";

/**
 * The toast's close button centred on the toast's top-left corner (sonner pulls it only 35% of its
 * size out, from inside the 1 px border: its centre sat 4 px into the toast). `!`: sonner's own
 * styles are not in a cascade layer, so they win over Tailwind's utilities otherwise.
 */
const TOAST_CLOSE_BUTTON = "-top-px! -left-px! transform-none! -translate-x-1/2 -translate-y-1/2";

export function Providers({ children }: { children: React.ReactNode }) {
  // One client per browser session; created in state so a re-render never replaces it.
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: true } } }));
  return (
    <QueryClientProvider client={client}>
      <CurrentPipelineProvider>{children}</CurrentPipelineProvider>
      <RelativeTimeTicker />
      {/* Bottom centre: tables put their row actions at the right edge, where a toast covered the next one (Cancel…, Lift…). */}
      <Toaster position="bottom-center" richColors closeButton toastOptions={{ classNames: { closeButton: TOAST_CLOSE_BUTTON } }} />
    </QueryClientProvider>
  );
}
