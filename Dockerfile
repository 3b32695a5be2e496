# One image for every Köpir service; docker-compose.yml picks the service with `command`.
# Build: docker build -t kopir .   (npm ci compiles better-sqlite3's addon, hence the build tools in the first stage)
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY test/bench ./test/bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Services run unprivileged (uid 1000); certificates and data are mounted, never baked into the image. The data
# directories exist owned by node so that named volumes (the audit ledger) start writable and adapters can write
# their health files.
RUN mkdir -p data/audit data/gateway data/federation data/adapters data/registries && chown -R node:node data
USER node
EXPOSE 8443 8444 9464
CMD ["node", "dist/apps/cli/src/main.js", "--help"]
