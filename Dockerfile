# hookgate on Node (current LTS), self-hosted: one container, SQLite on the /data volume.
# Build: docker build -t hookgate .      Run: see README "Run with Docker".
# CI has no Docker engine: scripts/container-check.ts lints this file and follows its steps.
ARG BASE=node:24-bookworm-slim

# ---- dependencies: production only. No install scripts: better-sqlite3 loads the prebuilt binary
# it ships (linux x64/arm64, glibc and musl), so nothing is compiled and no toolchain is needed.
FROM ${BASE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` with the lockfile installs the locked versions (`npm ci` trips over an npm 11
# lockfile bug with optional platform packages). The CA secret is only for build proxies; the
# npm cache stays in this stage.
RUN --mount=type=secret,id=ca,required=false NODE_EXTRA_CA_CERTS=/run/secrets/ca npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# ---- build: the sources compiled to JavaScript (dist/node, what `npm pack` ships) by TypeScript,
# without type checking (CI checks types). TypeScript and Node's types are installed at the versions
# the lockfile pins, alone (package.json here only says the sources are ES modules). Node then
# loads plain JavaScript: stripping types at run time kept its WebAssembly parser resident, about
# 26 MB of the server's memory (docs/performance.md, Memory).
FROM ${BASE} AS build
WORKDIR /build
COPY tsconfig.json tsconfig.build.json ./
COPY package-lock.json ./locked-versions.json
COPY src ./src
RUN --mount=type=secret,id=ca,required=false NODE_EXTRA_CA_CERTS=/run/secrets/ca npm install --omit=dev --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
      $(node -p "['typescript', '@types/node'].map((name) => name + '@' + require('./locked-versions.json').packages['node_modules/' + name].version).join(' ')") \
 && echo '{"type": "module"}' > package.json \
 && ./node_modules/.bin/tsc -p tsconfig.build.json --noCheck

# ---- runtime: the compiled build run by Node, as a non-root user. Two glibc malloc arenas instead of
# one per thread (up to 8 per core) hold 12-16 MB less while a worker drains a large backlog, for no
# CPU cost measured (docs/performance.md, Memory).
FROM ${BASE} AS runtime
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOOKGATE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=/data/hookgate.db
WORKDIR /app
RUN groupadd --system --gid 10001 hookgate \
 && useradd --system --uid 10001 --gid hookgate --home-dir /app --no-create-home hookgate \
 && mkdir -p /data \
 && chown hookgate:hookgate /data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY --from=build /build/dist/node ./dist/node
# `hookgate <command>` inside the container (docker exec … hookgate tenant create --name Acme) runs the CLI.
RUN ln -s /app/bin/hookgate.js /usr/local/bin/hookgate
USER hookgate
VOLUME ["/data"]
EXPOSE 8080
# SIGTERM: stop accepting, let in-flight attempts finish (10 s), release the rest, close SQLite.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/node/runtime/node.js"]
