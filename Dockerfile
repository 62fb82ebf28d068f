# Slipway's image: the web server (`scripts/start.ts`, what `npm start` runs, with its V8 flags) and the
# controller (`tsx scripts/controller.ts`, `npm run controller`) from one image. Kubernetes
# manifests: deploy/kubernetes/ (README: Slipway on Kubernetes).
#
# Not Next's `output: "standalone"`: Slipway serves Next from its own server (lib/server/boot.ts:
# forwarding trust, request checks, migrations and the pipeline file before serving), which the
# standalone server.js would bypass. So the image carries the sources, the production
# dependencies and the `.next` build, and `npm start` keeps working unchanged.

# The production dependencies only (tsx is one: it runs the TypeScript entry points).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The build: `next build` through the same function `npm start` uses, so the stamp it leaves
# (.next/slipway-source-hash) matches the sources and the server never rebuilds at start.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node_modules/.bin/tsx -e 'import("./lib/server/build-if-needed.ts").then((m) => m.buildIfNeeded(process.cwd(), console.log)).catch((e) => { console.error(e); process.exit(1); })' \
 && rm -rf .next/cache

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000
COPY --from=deps /app/node_modules ./node_modules
# Exactly the files the build's source hash covers (lib/server/build-if-needed.ts), plus scripts/.
COPY --from=build /app/package.json /app/package-lock.json /app/next.config.js /app/tsconfig.json /app/postcss.config.mjs /app/slipway.yaml ./
COPY --from=build /app/app ./app
COPY --from=build /app/components ./components
COPY --from=build /app/lib ./lib
COPY --from=build /app/db ./db
COPY --from=build /app/public ./public
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/.next ./.next
# Writable places for user 1000 when the root file system is not read-only (docker run); on
# Kubernetes they are emptyDir volumes (deploy/kubernetes/base).
RUN mkdir -p .next/cache .data && chown 1000:1000 .next/cache .data
# `node` in the base image; numeric so Kubernetes can check runAsNonRoot.
USER 1000
EXPOSE 3000
# As package.json's start: 32 MB semi-spaces (scripts/bench/server-process.ts SERVER_NODE_FLAGS says why).
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "scripts/start.ts"]
