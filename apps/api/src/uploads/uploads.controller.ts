import {
  All,
  BadRequestException,
  Controller,
  HttpException,
  HttpStatus,
  Inject,
  Options,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Server } from '@tus/server';
import { RedisAvailability } from '@keyseed/queues';
import { AuthenticatedUser, CurrentUser, Public, Roles } from '../auth/auth.decorators';
import { TUS_SERVER, UPLOADS_PATH, UploadingRequest } from './tus-server.provider';
import { parseUploadMetadata } from './upload-metadata';
import { UploadsService } from './uploads.service';

/**
 * tus 1.0 endpoint. Nest routes the request so the global AuthGuard authenticates it (bearer
 * token, creator role); ownership, draft state, size limit and quota are checked here with JSON
 * errors; then @tus/server speaks the protocol on the raw request stream (the JSON body parser
 * only consumes application/json, never application/offset+octet-stream).
 * Left out of the OpenAPI operations (a catch-all over every method is not an operation): the
 * document's description states the protocol instead (common/openapi.ts).
 */
@ApiExcludeController()
@Controller()
export class UploadsController {
  constructor(
    @Inject(TUS_SERVER) private readonly tus: Server,
    private readonly uploads: UploadsService,
    private readonly redis: RedisAvailability,
  ) {}

  @Public()
  @Options(['uploads', 'uploads/*path'])
  async discover(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.tus.handle(req, res);
  }

  @All(['uploads', 'uploads/*path'])
  @Roles('CREATOR')
  async handle(
    @CurrentUser() user: AuthenticatedUser,
    @Req() req: Request & UploadingRequest,
    @Res() res: Response,
  ): Promise<void> {
    const uploadId = uploadIdOf(req.path);
    // Bytes that complete an upload queue its ingest: refuse them early during a Redis outage (the
    // upload keeps its offset) rather than leave the client waiting on the queue.
    if (req.method === 'POST' || req.method === 'PATCH') this.redis.assertUp('uploading');
    if (req.method === 'POST' && uploadId === null) {
      const metadata = parseUploadMetadata(req.get('upload-metadata'));
      if (!metadata)
        throw new BadRequestException('Upload-Metadata is malformed: comma-separated "key base64value" pairs expected');
      const { id } = await this.uploads.reserve(user, { metadata, uploadLength: req.get('upload-length') });
      req.keyseedUploadId = id;
      await this.tus.handle(req, res);
      // A creation that failed before tus stored anything leaves nothing to resume: forget it.
      if (res.statusCode >= 400) await this.uploads.abandonIfNotStored(id);
      await this.uploads.releaseIfCompleted(id);
      return;
    }
    if (uploadId && req.method === 'POST') {
      // Creation goes to the collection; tus 1.0 has no other POST (and this server no method override).
      res.setHeader('Allow', 'HEAD, PATCH, DELETE, OPTIONS');
      throw new HttpException(
        `an upload is created with POST ${UPLOADS_PATH} and appended to with PATCH ${UPLOADS_PATH}/<id>`,
        HttpStatus.METHOD_NOT_ALLOWED,
      );
    }
    if (uploadId) {
      await this.uploads.authorize(user, uploadId, req.method);
      req.keyseedUploadId = uploadId; // the id tus acts on
    }
    // A client resuming an upload whose last PATCH stored every byte but failed to complete
    // (database unreachable) asks HEAD, sees the full offset and stops: complete it now.
    if (req.method === 'HEAD' && uploadId) {
      await this.uploads.completeIfAllBytesStored(uploadId);
      // tus no longer holds a completed upload (its bytes moved to the blob store), but a client
      // whose last PATCH lost its answer asks HEAD: it learns the upload is whole, not that it is gone.
      const size = await this.uploads.completedSize(uploadId);
      if (size !== null) {
        res
          .status(200)
          .set({ 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(size), 'Upload-Length': String(size) })
          .set('Cache-Control', 'no-store')
          .end();
        return;
      }
    }
    // Termination is recorded before tus answers, so the client never sees 204 ahead of the row.
    if (req.method === 'DELETE' && uploadId) await this.uploads.terminate(uploadId);
    await this.tus.handle(req, res);
    if (req.method === 'PATCH' && uploadId) await this.uploads.releaseIfCompleted(uploadId);
  }
}

/** `/v1/uploads/<id>` → id; `/v1/uploads` → null. */
function uploadIdOf(path: string): string | null {
  const rest = path.startsWith(UPLOADS_PATH) ? path.slice(UPLOADS_PATH.length).replace(/^\/+|\/+$/g, '') : '';
  return rest === '' ? null : rest;
}
