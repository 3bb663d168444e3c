# eas-gateway container. Build: podman build --format docker -t eas-gateway .
# NODE_IMAGE may point at a local base image where no registry is reachable.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Node 24 has node:sqlite, so the optional native better-sqlite3 (Node 20 only) is not built.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --omit=optional --ignore-scripts

FROM ${NODE_IMAGE}
ENV NODE_ENV=production EAS_HOST=0.0.0.0 EAS_PORT=8443 EAS_STATE_PATH=/data/eas-gateway.sqlite
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN mkdir -p /data /app/certs && chown node:node /data /app/certs
VOLUME ["/data"]
USER node
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["node", "-e", "const m=require(process.env.EAS_PLAIN_HTTP==='true'?'http':'https');m.get({host:'127.0.0.1',port:process.env.EAS_PORT,path:'/healthz',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve"]
