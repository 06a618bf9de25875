# The one image for every process: `npm run api`, `npm run worker`, `npm run migrate`.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies are needed only to build the web app; tsx runs the TypeScript sources.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web && npm prune --omit=dev
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
