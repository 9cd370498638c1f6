# The Pulso image used by docker-compose.yml for the API and the Kafka workers.
# TypeScript runs through tsx (no build step); the dashboard is built into dashboard/dist.
FROM node:20.19.5-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:dashboard
ENTRYPOINT ["node", "bin/pulso.js"]
CMD ["start"]
