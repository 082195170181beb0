import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { Item, lockRow, Prisma, PrismaService } from '@keyseed/database';
import { BLOB_STORE, BlobStore, itemPublishedKey } from '@keyseed/storage';
import { BundleView, ItemView } from './dtos/bundle.responses';
import { AddItemDto, UpdateItemDto } from './dtos/item.dtos';
import { BundlesService } from './bundles.service';
import { itemView } from './bundle-view';
import { normalizeItemPath, pathCollisions } from './item-path';
import { StoredFilesService } from './stored-files.service';

/** Items of a draft bundle: add, rename, lock/unlock, preview pieces, reorder, remove. */
@Injectable()
export class BundleItemsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly bundles: BundlesService,
    private readonly storedFiles: StoredFilesService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  async add(bundleId: string, dtos: AddItemDto[]): Promise<BundleView> {
    dtos.forEach((d, i) => this.assertUploadable(d.size, `items.${i}.size`));
    await this.inDraft(bundleId, async (tx, existing) => {
      const fresh = dtos.map((d) => ({
        path: normalizeItemPath(d.path),
        locked: d.locked ?? true,
        previewPieces: d.previewPieces ?? 0,
        declaredSize: d.size === undefined ? null : BigInt(d.size),
      }));
      this.assertNoCollisions(
        existing,
        fresh.map((f, i) => ({ ...f, field: `items.${i}.path` })),
      );
      const next = existing.reduce((m, i) => Math.max(m, i.position + 1), 0);
      await tx.item.createMany({ data: fresh.map((f, i) => ({ ...f, bundleId, position: next + i })) });
    });
    return this.bundles.get(bundleId);
  }

  /**
   * Renames, locks/unlocks or changes preview pieces. An item's published file moves with its
   * name, inside the transaction that holds the item's row (so an ingest commit, which takes the
   * same lock and writes to the path it reads there, never lands on the old name); if the commit
   * fails the file is moved back.
   */
  async update(bundleId: string, itemId: string, dto: UpdateItemDto): Promise<ItemView> {
    this.assertUploadable(dto.size, 'size');
    let moved: { from: string; to: string } | null = null;
    try {
      return await this.inDraft(bundleId, async (tx, existing) => {
        if (!existing.some((i) => i.id === itemId))
          throw new NotFoundException(`item ${itemId} not found in this bundle`);
        await lockRow(tx, 'Item', itemId);
        const item = await tx.item.findUniqueOrThrow({ where: { id: itemId } });
        const changed = {
          path: dto.path === undefined ? item.path : normalizeItemPath(dto.path),
          locked: dto.locked ?? item.locked,
        };
        if (changed.path !== item.path || changed.locked !== item.locked) {
          this.assertNoCollisions(
            existing.filter((i) => i.id !== itemId),
            [{ ...changed, field: 'path' }],
          );
        }
        // Locking decides whether ingest encrypts, so flipping it on an ingested item means a re-ingest:
        // the creator uploads again (the plaintext upload is not kept once ingested).
        if (changed.locked !== item.locked && !['AWAITING_UPLOAD', 'UPLOADING'].includes(item.status)) {
          throw new ConflictException(
            `item ${item.path} is ${item.status}; locked can only change before its upload completes (upload it again to change it)`,
          );
        }
        const updated = await tx.item.update({
          where: { id: itemId },
          data: {
            ...changed,
            previewPieces: dto.previewPieces ?? item.previewPieces,
            // The size the next upload must have (the piece length, once fixed, stays).
            declaredSize: dto.size === undefined ? item.declaredSize : BigInt(dto.size),
          },
        });
        if (changed.path !== item.path) {
          // A READY item's file must move; an item re-queued by a replacement upload may still hold
          // its previous ciphertext under the old name, which moves too (its ingest overwrites it),
          // or it would stay behind, nobody's file, for as long as the bundle exists.
          const from = itemPublishedKey(bundleId, item);
          if (item.status === 'READY' || (await this.blobs.stat(from))) {
            moved = { from, to: itemPublishedKey(bundleId, updated) };
            await this.blobs.rename(moved.from, moved.to);
          }
        }
        return itemView(updated);
      });
    } catch (err) {
      const undo = moved as { from: string; to: string } | null;
      if (undo) await this.blobs.rename(undo.to, undo.from).catch(() => undefined);
      throw err;
    }
  }

  async reorder(bundleId: string, itemIds: string[]): Promise<BundleView> {
    await this.inDraft(bundleId, async (tx, existing) => {
      const known = new Set(existing.map((i) => i.id));
      const missing = existing.filter((i) => !itemIds.includes(i.id)).map((i) => i.id);
      const unknown = itemIds.filter((id) => !known.has(id));
      if (missing.length || unknown.length) {
        throw new BadRequestException(
          `itemIds must list every item of the bundle exactly once${missing.length ? `; missing: ${missing.join(', ')}` : ''}${unknown.length ? `; not in this bundle: ${unknown.join(', ')}` : ''}`,
        );
      }
      for (const [position, id] of itemIds.entries()) await tx.item.update({ where: { id }, data: { position } });
    });
    return this.bundles.get(bundleId);
  }

  /** Deletes the item and, once that has committed, every file stored for it. */
  async remove(bundleId: string, itemId: string): Promise<void> {
    const deleted = await this.inDraft(bundleId, async (tx, existing) => {
      const item = existing.find((i) => i.id === itemId);
      if (!item) throw new NotFoundException(`item ${itemId} not found in this bundle`);
      const uploads = await tx.upload.findMany({ where: { itemId }, select: { id: true } });
      await tx.item.delete({ where: { id: itemId } });
      return { ...item, uploadIds: uploads.map((u) => u.id) };
    });
    await this.storedFiles.removeItem(deleted);
  }

  /** A declared size no upload could have is refused when declared, not at upload time. */
  private assertUploadable(size: number | undefined, field: string): void {
    if (size !== undefined && size > this.config.MAX_UPLOAD_BYTES)
      throw new PayloadTooLargeException(
        `${field}: a file of ${size} bytes exceeds the per-file limit of ${this.config.MAX_UPLOAD_BYTES} bytes`,
      );
  }

  /** Runs `fn` with the bundle row locked and checked to be DRAFT, so concurrent edits serialise. */
  private async inDraft<T>(
    bundleId: string,
    fn: (tx: Prisma.TransactionClient, items: Item[]) => Promise<T>,
  ): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', bundleId);
      await this.bundles.assertDraft(bundleId, tx);
      return fn(tx, await tx.item.findMany({ where: { bundleId }, orderBy: { position: 'asc' } }));
    });
  }

  private assertNoCollisions(existing: Item[], fresh: Array<{ path: string; locked: boolean; field: string }>): void {
    const entries = [
      ...existing.map((e) => ({ path: e.path, locked: e.locked, field: null as string | null })),
      ...fresh,
    ];
    const problems = pathCollisions(entries)
      .filter(([, j]) => j >= existing.length)
      .map(
        ([i, j]) =>
          `${entries[j].field} "${entries[j].path}" collides with ${i < existing.length ? 'existing item' : entries[i].field} "${entries[i].path}" (same name after Unicode normalisation and case folding, its .locked name, or a file/folder clash)`,
      );
    if (problems.length) throw new BadRequestException(problems);
  }
}
