import { z } from 'zod';
import { ACCESS, NOTICE_OPERATIONS } from './access';
import { RETRY_AFTER_SECONDS } from './errors';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency';
import { FILE_MEDIA_TYPES, PDF_MEDIA_TYPE, type Route } from './routes';
import { errorEnvelopeSchema, pendingSchema } from './schemas';

// The OpenAPI 3.1 document and the /docs page, both generated from the route table and its zod
// schemas: nothing here is written by hand twice.

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request: malformed JSON, or every validation problem in `issues` with its path',
  401: 'Missing or invalid bearer token',
  403: 'The token’s role in this campaign (or organization) does not reach this action or unit',
  404: 'Unknown campaign, phase or unit (the message says which, and whether the phase has just not started); also any campaign the token holds no role in, so other organizations’ campaigns are not revealed',
  409: 'Refused in the current state: duplicate campaign id, cutoff passed (details.cutoff, details.forfeited), awaiting review, not awaiting sign-off …; a request with this Idempotency-Key still running (idempotency-key-in-use, Retry-After); refused by Temporal for good (refused-by-temporal)',
  413: 'Request body over the configured limit',
  429: 'Too many failed sign-ins from this address; Retry-After says when to try again (doubling at each further failure)',
  422: 'Idempotency-Key reused with a different body, or a submission of the wrong kind for the phase',
  503: `Temporal not reached, so nothing was done; Retry-After says when to retry (${RETRY_AFTER_SECONDS} s)`,
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema; // the document's dialect already says it
  return generated;
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

const accessText = (route: Route) =>
  route.action
    ? Object.entries(ACCESS[route.action])
        .map(([role, scope]) => `${role} (${scope})`)
        .join(', ')
    : (NOTICE_OPERATIONS as readonly string[]).includes(route.operationId)
      ? 'anyone holding the unit’s notice link (the token in the path is the permission)'
      : 'public';

function operation(route: Route): JsonSchema {
  const secured = route.action !== undefined;
  const isPost = route.method === 'post';
  const idempotencyKey = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'A retried request with the same key returns the first response and changes nothing; the same key with another body is 422.',
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
  };
  const success = route.response;
  // Files are bytes, not JSON: described by their media type alone.
  const binary = success.mediaType === FILE_MEDIA_TYPES.xlsx || success.mediaType === PDF_MEDIA_TYPE;
  const responses: Record<string, JsonSchema> = {
    [success.status]: {
      description: success.description,
      ...(success.location ? { headers: { Location: { schema: { type: 'string' }, description: 'where the result can be read' } } } : {}),
      content: { [success.mediaType ?? 'application/json']: { schema: binary ? { type: 'string', contentMediaType: success.mediaType } : jsonSchema(success.schema, 'output') } },
    },
  };
  if (route.pending) {
    responses[202] = {
      description: 'The outcome is not known yet (Temporal is slow or no worker is running): read it at Location, or retry with the same Idempotency-Key',
      headers: { Location: { schema: { type: 'string' }, description: 'where the outcome can be read' }, 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
      content: { 'application/json': { schema: jsonSchema(pendingSchema, 'output') } },
    };
  }
  for (const status of route.errors) {
    responses[status] = {
      description: STATUS_TEXT[status] ?? 'error',
      ...(status === 503 || status === 429 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `Allowed: ${accessText(route)}.`,
    tags: [route.tag],
    'x-allowed-roles': route.action ? ACCESS[route.action] : {},
    security: secured ? [{ bearer: [] }] : [],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query'), ...(secured && isPost ? [idempotencyKey] : [])],
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
    ...(route.upload ? { requestBody: { required: true, content: Object.fromEntries(Object.values(FILE_MEDIA_TYPES).map((type) => [type, { schema: { type: 'string', contentMediaType: type } }])) } } : {}),
    responses,
  };
}

export function openApiDocument(routes: Route[], serverUrl?: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Relief campaigns API',
      version: '1.0.0',
      description: 'Coordinators start and steer 送溫暖 / 健康進萬家 campaigns, units submit by their cutoffs, reviewers approve or reject. Every error is one JSON envelope.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token an organization’s administrator issued to a person (POST /organization/people/{personId}/tokens), or one of API_TOKENS. What it may do follows from the person’s roles in the organization and in each campaign.' } },
      schemas: { ErrorEnvelope: jsonSchema(errorEnvelopeSchema, 'output') },
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained page (no scripts, no CDN) listing every operation of the document. */
export function docsPage(document: JsonSchema): string {
  const paths = document.paths as Record<string, Record<string, JsonSchema>>;
  const sections = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = (op.parameters as JsonSchema[]).map((p) => `<li><code>${escapeHtml(String(p.name))}</code> (${escapeHtml(String(p.in))}${p.required ? ', required' : ''})</li>`).join('');
      const body = op.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
      const responses = Object.entries(op.responses as Record<string, JsonSchema>)
        .map(([status, r]) => `<li><b>${status}</b> ${escapeHtml(String(r.description))}</li>`)
        .join('');
      return `<section id="${escapeHtml(String(op.operationId))}">
<h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(String(op.summary))}</p><p class="who">${escapeHtml(String(op.description))}</p>
${params ? `<h3>Parameters</h3><ul>${params}</ul>` : ''}
${body ? `<details><summary>Request body (${escapeHtml(Object.keys(body.content).join(', '))})</summary><pre>${escapeHtml(JSON.stringify(Object.values(body.content)[0]!.schema, null, 2))}</pre></details>` : ''}
<h3>Responses</h3><ul>${responses}</ul></section>`;
    }),
  );
  const info = document.info as { title: string; description: string };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ccc;padding:.5rem 0}
.m{display:inline-block;min-width:3.5rem;text-align:center;border-radius:4px;color:#fff;font-size:.8em;padding:.1rem .4rem}.get{background:#2b6cb0}.post{background:#2f855a}
pre{background:#f5f5f5;padding:.5rem;overflow:auto;max-height:30rem}.who{color:#555}</style></head>
<body><h1>${escapeHtml(info.title)}</h1><p>${escapeHtml(info.description)}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer $TOKEN</code>.</p>
${sections.join('\n')}
</body></html>`;
}
