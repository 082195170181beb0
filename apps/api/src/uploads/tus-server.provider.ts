import { Logger, Provider } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@tus/server';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { isDatabaseUnavailable } from '@keyseed/database';
import { storageErrorResponse } from './storage-error-response';
import { TusFilesService } from './tus-files.service';
import { UploadsService } from './uploads.service';

export const TUS_SERVER = Symbol('TUS_SERVER');
export const UPLOADS_PATH = '/v1/uploads';

/**
 * Set by the controller on the Node request: the upload it authorised (HEAD/GET/PATCH/DELETE) or
 * recorded (creation). tus acts on this id and never parses one from the URL itself.
 */
export interface UploadingRequest extends IncomingMessage {
  keyseedUploadId?: string;
}

type NodePair = { req?: UploadingRequest; res?: ServerResponse };

/** tus hands hooks a web Request wrapping the Node one (srvx); this gets the Node one back. */
function nodeRequest(req: unknown): UploadingRequest | undefined {
  const r = req as { runtime?: { node?: NodePair }; node?: NodePair };
  return r.runtime?.node?.req ?? r.node?.req;
}

/** The Node response of a hook's request (headers set on it go out with tus's answer). */
function nodeResponse(req: unknown): ServerResponse | undefined {
  const r = req as { runtime?: { node?: NodePair }; node?: NodePair };
  return r.runtime?.node?.res ?? r.node?.res;
}

/**
 * tus 1.0 server (creation, creation-with-upload, termination, expiration) on the store of
 * TusFilesService (local files, or the S3 bucket) with locks in Redis. Authorisation, quota and the
 * Upload row are settled by the controller before a request reaches it; the upload id is the one
 * the controller recorded.
 */
export const tusServerProvider: Provider = {
  provide: TUS_SERVER,
  inject: [KEYSEED_CONFIG, TusFilesService, UploadsService],
  useFactory: (config: KeyseedConfig, files: TusFilesService, uploads: UploadsService) => {
    const logger = new Logger('uploads');
    const datastore = files.datastore;
    // The size must be known at creation (it counts against the quota): no deferred length.
    datastore.extensions = datastore.extensions.filter((e) => e !== 'creation-defer-length');
    const server: Server = new Server({
      path: UPLOADS_PATH,
      datastore,
      maxSize: config.MAX_UPLOAD_BYTES,
      disableTerminationForFinishedUploads: true,
      // tus's own parser takes the URL's last segment, query string included: `/uploads/<mine>?/<theirs>`
      // would reach someone else's upload past the controller's check of `<mine>`.
      getFileIdFromRequest: (req) => {
        const id = nodeRequest(req)?.keyseedUploadId;
        return id && files.tusId(id);
      },
      namingFunction: (req) => {
        const id = nodeRequest(req)?.keyseedUploadId;
        // tus answers thrown `{ status_code, body }` objects as HTTP errors (its documented hook contract).
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (!id) throw { status_code: 500, body: 'upload was not recorded before creation\n' };
        return files.tusId(id);
      },
      // tus answers unexpected errors with a 500 carrying their message (ENOSPC paths and all).
      // A write that failed because the item (or bundle) was deleted meanwhile, its files with it: 404.
      onResponseError: async (req, err) => {
        const id = nodeRequest(req)?.keyseedUploadId;
        const status = 'status_code' in err ? err.status_code : 500;
        if (status >= 500 && id && (await uploads.isGone(id).catch(() => false)))
          return { status_code: 404, body: `upload ${id} not found (its bundle or item was deleted)\n` };
        return storageErrorResponse(err, files.directory, (message) =>
          logger.error({ event: 'upload.store_failed', message }),
        );
      },
      // On S3 the tus id is the object key (`tus/<id>/file`); clients only ever see the upload id.
      generateUrl: (_req, { proto, host, path, id }) => `${proto}://${host}${path}/${files.uploadIdOf(id)}`,
      locker: files.locker,
      onUploadFinish: async (req, upload) => {
        try {
          await uploads.complete(files.uploadIdOf(upload.id));
          return {};
        } catch (err) {
          const status =
            (err as { getStatus?: () => number }).getStatus?.() ?? (isDatabaseUnavailable(err) ? 503 : 500);
          if (status >= 500) {
            logger.error({ event: 'upload.complete_failed', uploadId: upload.id, message: (err as Error).message });
            // Every byte is stored, only the completion failed: a creation's client needs the upload's
            // URL to resume (its HEAD completes the upload), which tus sends only with a 201.
            if (req.method === 'POST')
              nodeResponse(req)?.setHeader('Location', server.handlers.POST.generateUrl(req, upload.id));
          }
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw {
            status_code: status,
            body: status < 500 ? `${(err as Error).message}\n` : 'could not store the completed upload\n',
          };
        }
      },
    });
    return server;
  },
};
