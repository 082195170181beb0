import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SchemaObject, SwaggerModule } from '@nestjs/swagger';
import type { KeyseedConfig } from '@keyseed/config';

const DESCRIPTION = `Creators upload bundles, buyers purchase piece keys, admins price and moderate.

Authentication: \`Authorization: Bearer <token>\` with a session token from \`POST /v1/auth/login\` or a
personal token from \`POST /v1/me/tokens\`. Tokens are opaque strings, not JWTs.

Errors: every 4xx/5xx answer is JSON \`{statusCode, error, message}\` (\`message\` is a string or, for
validation errors, a list of strings) saying what is wrong.

Uploads are not listed as operations: they speak the tus 1.0 protocol (core, creation,
creation-with-upload, termination, expiration) at \`/v1/uploads\`, with the same bearer token and the
CREATOR role. \`POST /v1/uploads\` with \`Tus-Resumable: 1.0.0\`, \`Upload-Length\` and
\`Upload-Metadata\` carrying \`bundleId\` and \`itemId\` (or \`path\`) of an item of your DRAFT bundle
creates an upload (201, \`Location\` names it); \`HEAD\` gives its \`Upload-Offset\`; \`PATCH\` with
\`Content-Type: application/offset+octet-stream\` appends; \`DELETE\` abandons it; \`OPTIONS\` needs no
token. When the last byte arrives the item is QUEUED for ingest. Errors are the JSON body above: 403
another creator's bundle or upload, 404 no such bundle, item or upload, 405 a POST to an upload's
URL, 409 the bundle is not a DRAFT (or was published while the last bytes arrived), 413 over the
per-file limit or your storage quota, 503 Redis or storage unavailable and 507 no room on the server
(both: resume later, the upload keeps its offset). Any tus client works (tus-js-client, Uppy).

The BitTorrent tracker (\`/announce\`, \`/scrape\`) answers in bencode; the webseed
(\`/webseed/<slug>/<path>\`, BEP 19) serves byte ranges of published files.`;

/** The body of every error answer (see HttpExceptionFilter), as a reusable schema. */
const ERROR_BODY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 404 },
    error: { type: 'string', example: 'Not Found' },
    message: {
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      example: 'bundle 9b2f… not found',
    },
  },
};

/** `catalog_get`, `adminBundles_takedown`: the controller's name without "Controller", then the method. */
export function operationId(controllerKey: string, methodKey: string): string {
  const controller = controllerKey.replace(/Controller$/, '');
  return `${controller.charAt(0).toLowerCase()}${controller.slice(1)}_${methodKey}`;
}

/** Error answers documented without a body get the shared error schema: that is what they send. */
function addErrorBodies(doc: OpenAPIObject): OpenAPIObject {
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ErrorBody: ERROR_BODY_SCHEMA } };
  for (const path of Object.values(doc.paths)) {
    for (const op of Object.values(path)) {
      const responses = (op as { responses?: Record<string, { content?: unknown }> }).responses;
      if (!responses) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400 && !response.content)
          response.content = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } };
      }
    }
  }
  return doc;
}

export function openApiDocument(app: INestApplication, config: KeyseedConfig): OpenAPIObject {
  const base = new DocumentBuilder()
    .setTitle('Keyseed API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addServer(config.PUBLIC_URL)
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'Session token from /v1/auth/login or a personal token (opaque)',
    })
    .build();
  return addErrorBodies(SwaggerModule.createDocument(app, base, { operationIdFactory: operationId }));
}

/** Swagger UI at /docs, the document at /docs/openapi.json. */
export function setupOpenApi(app: INestApplication, config: KeyseedConfig): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app, config), { jsonDocumentUrl: 'docs/openapi.json' });
}
