/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships WASM that bundling breaks (STACK.md trap 6); pg has optional native parts.
  // The Kubernetes client and schemas run as plain Node packages (the Kubernetes platform's reader).
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@kubernetes/client-node", "kubernetes-models"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
