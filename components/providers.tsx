"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { Toaster } from "sonner";
import { RelativeTimeTicker } from "./ui/relative-time-ticker";
import { CurrentPipelineProvider } from "./shell/current-pipeline";

export function Providers({ children }: { children: React.ReactNode }) {
  // One client per browser session; created in state so a re-render never replaces it.
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: true } } }));
  return (
    <QueryClientProvider client={client}>
      <CurrentPipelineProvider>{children}</CurrentPipelineProvider>
      <RelativeTimeTicker />
      {/* Bottom centre: tables put their row actions at the right edge, where a toast covered the next one (Cancel…, Lift…). */}
      <Toaster position="bottom-center" richColors closeButton />
    </QueryClientProvider>
  );
}
