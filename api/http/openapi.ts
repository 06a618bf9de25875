// /api/v1/openapi.json, generated from the route declarations and their zod schemas.
import { z } from 'zod';
import { PROBLEM_BASE } from './errors.ts';
import type { RouteDef } from './routes.ts';

const toSchema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' });

export function openApiDocument(routes: RouteDef[], base = '/api/v1') {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = base + r.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...Object.keys((r.params as z.ZodObject | undefined)?.shape ?? {}).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries((r.query as z.ZodObject | undefined)?.shape ?? {}).map(([name, s]) => ({ name, in: 'query', required: !(s as z.ZodType).safeParse(undefined).success, schema: toSchema(s as z.ZodType, 'input') })),
    ];
    const security = r.access.kind === 'public' ? [] : [{ session: [] }, ...(r.scope ? [{ apiToken: [r.scope] }] : [])];
    (paths[path] ??= {})[r.method] = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method}${r.path.replace(/[/:.-](\w)/g, (_m, ch: string) => ch.toUpperCase())}`,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { [r.bodyType === 'text/csv' ? 'text/csv' : 'application/json']: { schema: toSchema(r.body, 'input') } } } } : {}),
      security,
      'x-access': r.access,
      responses: {
        [String(r.status ?? (r.response || r.raw ? 200 : 204))]: { description: 'Success', ...(r.response ? { content: { 'application/json': { schema: toSchema(r.response, 'output') } } } : {}) },
        default: { description: `Problem (RFC 9457); type starts with ${PROBLEM_BASE}`, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Justif API', version: '1', description: 'Expense management. Errors are RFC 9457 problem+json. Cookie sessions send X-CSRF-Token on writes; API tokens use Authorization: Bearer.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'justif_sid' },
        apiToken: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        Problem: {
          type: 'object', required: ['type', 'title', 'status'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, requestId: { type: 'string' }, errors: { type: 'array', items: { type: 'object' } } },
        },
      },
    },
  };
}
