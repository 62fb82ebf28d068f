"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { Toaster } from "sonner";
import { RelativeTimeTicker } from "./ui/relative-time-ticker";

export function Providers({ children }: { children: React.ReactNode }) {
  // One client per browser session; created in state so a re-render never replaces it.
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: true } } }));
  return (
    <QueryClientProvider client={client}>
      {children}
      <RelativeTimeTicker />
      <Toaster position="bottom-right" richColors closeButton />
    </QueryClientProvider>
  );
}
