# The Pulso image used by docker-compose.yml for the API and the Kafka workers.
# The TypeScript is bundled by `npm run build` into .cache/build (build/bundle.js), the dashboard
# into dashboard/dist; a container never builds at start.
FROM node:20.19.5-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: chdb lists platform packages for macOS and arm64 that the registry
# does not serve, so the lock file cannot hold them and `npm ci` refuses it (as in scripts/setup.sh).
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm run build:dashboard
ENTRYPOINT ["node", "bin/pulso.js"]
CMD ["start"]
