import { Inject, Injectable, Logger } from '@nestjs/common';
import { Keyring, lockedPlaintextDigests, unwrapContentKey } from '@keyseed/crypto';
import { PrismaService } from '@keyseed/database';
import { KEYRING } from '@keyseed/keyring';
import { BLOB_STORE, BlobStore, itemPublishedKey } from '@keyseed/storage';

export interface BackfillPieceRootsResult {
  /** Items that got their plaintext piece root. */
  filled: number;
  /** Items whose stored ciphertext does not decrypt to their plaintext SHA-256 (left without a root). */
  mismatched: number;
  /** Items re-ingested, or whose root was set, while they were read (left to the next run). */
  changed: number;
}

/**
 * Gives locked items ingested before the plaintext piece root existed (docs/key-scheme.md) their
 * root, from their stored ciphertext: one item at a time, streamed, each checked against the
 * item's whole-file plaintext SHA-256 before its root is saved, so a root is never written for a
 * ciphertext that does not decrypt to what ingest saw. Until then such items are sealed without a
 * root and clients check the whole-file SHA-256 (slower in a browser, as correct).
 */
@Injectable()
export class BackfillPieceRootsService {
  private readonly logger = new Logger('housekeeping');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(KEYRING) private readonly keyring: Keyring,
  ) {}

  async run(): Promise<BackfillPieceRootsResult> {
    const items = await this.prisma.item.findMany({
      where: {
        locked: true,
        status: 'READY',
        plaintextPieceRoot: null,
        plaintextSha256: { not: null },
        wrappedKey: { not: null },
        size: { not: null },
        bundle: { pieceLength: { not: null } },
      },
      select: {
        id: true,
        bundleId: true,
        path: true,
        locked: true,
        size: true,
        wrappedKey: true,
        kekId: true,
        plaintextSha256: true,
        bundle: { select: { pieceLength: true } },
      },
      orderBy: { id: 'asc' },
    });
    const result: BackfillPieceRootsResult = { filled: 0, mismatched: 0, changed: 0 };
    for (const item of items) {
      const ck = unwrapContentKey(this.keyring, item.id, item.wrappedKey!, item.kekId!);
      let digests;
      try {
        digests = await lockedPlaintextDigests(
          this.blobs.read(itemPublishedKey(item.bundleId, item)),
          ck,
          item.bundle.pieceLength!,
          Number(item.size),
        );
      } finally {
        ck.fill(0);
      }
      if (digests.plaintextSha256 !== item.plaintextSha256) {
        result.mismatched += 1;
        this.logger.error({
          event: 'piece_root.ciphertext_mismatch',
          itemId: item.id,
          bundleId: item.bundleId,
          message: 'the stored ciphertext does not decrypt to the plaintext SHA-256 recorded at ingest',
        });
        continue;
      }
      // Only the key that was read: a re-ingest meanwhile (new key, new ciphertext) keeps its own root.
      const { count } = await this.prisma.item.updateMany({
        where: { id: item.id, wrappedKey: item.wrappedKey, plaintextPieceRoot: null },
        data: { plaintextPieceRoot: digests.plaintextPieceRoot },
      });
      if (count) result.filled += 1;
      else result.changed += 1;
    }
    if (result.filled || result.mismatched || result.changed)
      this.logger.log({ event: 'piece_root.backfilled', ...result });
    return result;
  }
}
