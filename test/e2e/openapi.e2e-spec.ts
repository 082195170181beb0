import SwaggerParser from '@apidevtools/swagger-parser';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { App } from 'supertest/types';
import { startTestApp } from '../helpers/test-app';

interface MediaType {
  schema?: object;
}
interface Response {
  description?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses?: Record<string, Response>;
}
interface Document {
  info: { description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: {
    securitySchemes?: Record<string, { bearerFormat?: string }>;
    schemas?: Record<string, { required?: string[] }>;
  };
}

/**
 * Rules for the whole document, so routes added later are held to them too: valid OpenAPI (a
 * well-kept validator), one stable operationId per operation, a schema for every error answer and a
 * media type with a schema for every answer that has a body.
 */
describe('OpenAPI document (e2e)', () => {
  let app: NestExpressApplication;
  let doc: Document;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );

  beforeAll(async () => {
    app = await startTestApp();
    doc = (
      await request(app.getHttpServer() as App)
        .get('/docs/openapi.json')
        .expect(200)
    ).body as Document;
  });
  afterAll(() => app.close());

  it('is valid according to swagger-parser', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('gives every operation a unique operationId of the form <controller>_<method>', () => {
    const ids = operations().map(({ route, op }) => `${op.operationId ?? `(none on ${route})`}`);
    expect(ids.filter((id) => !/^[a-z][A-Za-z0-9]*_[a-z][A-Za-z0-9]*$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('describes the body of every error answer, by default as {statusCode, error, message}', () => {
    const missing = operations().flatMap(({ route, op }) =>
      Object.entries(op.responses ?? {})
        .filter(([status, r]) => Number(status) >= 400 && !r.content?.['application/json']?.schema)
        .map(([status]) => `${route} ${status}`),
    );
    expect(missing).toEqual([]);
    expect(doc.components?.schemas?.ErrorBody.required).toEqual(['statusCode', 'error', 'message']);
  });

  it('gives every answer with a body (all but 204) a media type and a schema', () => {
    const missing = operations().flatMap(({ route, op }) =>
      Object.entries(op.responses ?? {})
        .filter(([status]) => status !== '204')
        .filter(([, r]) => !r.content || Object.values(r.content).some((m) => !m.schema))
        .map(([status]) => `${route} ${status}`),
    );
    expect(missing).toEqual([]);
  });

  it('declares opaque bearer tokens (no JWT format)', () => {
    const schemes = Object.values(doc.components?.securitySchemes ?? {});
    expect(schemes.length).toBeGreaterThan(0);
    expect(schemes.filter((s) => 'bearerFormat' in s)).toEqual([]);
  });

  it('leaves the tus catch-all out of the operations and describes it in prose', () => {
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/uploads'))).toEqual([]);
    expect(doc.info.description).toContain('tus 1.0');
    expect(doc.info.description).toContain('/v1/uploads');
  });

  it('an actual error answer has exactly the documented shape', async () => {
    const res = await request(app.getHttpServer() as App)
      .get('/v1/catalog/no-such-bundle-anywhere')
      .expect(404);
    expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
  });
});
