# ozg-hub runs its TypeScript sources directly (tsx): no build step, the image is the repo.
# Node.js 24 is the Active LTS (supported into 2028); Node 20 left support in April 2026.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY cli ./cli
COPY gateway ./gateway
COPY adapters ./adapters
COPY mappings ./mappings
COPY config ./config
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/ozg-hub.mjs", "serve"]
