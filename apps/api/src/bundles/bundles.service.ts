import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { lockRow, Prisma, PrismaService } from '@keyseed/database';
import { BundleSummaryView, BundleView } from './dtos/bundle.responses';
import { CreateBundleDto } from './dtos/create-bundle.dto';
import { UpdateBundleDto } from './dtos/update-bundle.dto';
import { bundleSummaryView, bundleView } from './bundle-view';
import { firstFreeSlug, slugify } from './slug';
import { StoredFilesService } from './stored-files.service';

const SLUG_ATTEMPTS = 5;

/** A creator's bundles: create, read, edit while DRAFT, delete while DRAFT. */
@Injectable()
export class BundlesService {
  private readonly logger = new Logger('bundles');

  constructor(
    private readonly prisma: PrismaService,
    private readonly storedFiles: StoredFilesService,
  ) {}

  async create(creatorId: string, dto: CreateBundleDto): Promise<BundleView> {
    const base = slugify(dto.title);
    // Pick the first free slug; a concurrent create may take it first, so retry on the unique index.
    for (let attempt = 0; ; attempt++) {
      const taken = await this.prisma.bundle.findMany({
        where: { slug: { startsWith: base } },
        select: { slug: true },
      });
      const slug = firstFreeSlug(
        base,
        taken.map((t) => t.slug),
      );
      try {
        const bundle = await this.prisma.bundle.create({
          data: {
            creatorId,
            slug,
            title: dto.title.trim(),
            description: dto.description ?? '',
            pieceLength: dto.pieceLength ?? null,
          },
          include: { items: true },
        });
        return bundleView(bundle);
      } catch (err) {
        if (attempt < SLUG_ATTEMPTS && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
          continue;
        throw err;
      }
    }
  }

  async listMine(creatorId: string, page: number, perPage: number): Promise<BundleSummaryView[]> {
    const bundles = await this.prisma.bundle.findMany({
      where: { creatorId },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      skip: (page - 1) * perPage,
      take: perPage,
    });
    return bundles.map(bundleSummaryView);
  }

  async get(id: string): Promise<BundleView> {
    return bundleView(await this.prisma.bundle.findUniqueOrThrow({ where: { id }, include: { items: true } }));
  }

  async update(id: string, dto: UpdateBundleDto): Promise<BundleView> {
    const { count } = await this.prisma.bundle.updateMany({
      where: { id, status: 'DRAFT' },
      data: {
        ...(dto.title !== undefined ? { title: dto.title.trim() } : {}),
        ...(dto.description !== undefined ? { description: dto.description } : {}),
      },
    });
    if (count === 0) await this.assertDraft(id);
    return this.get(id);
  }

  /**
   * Deletes a draft with everything stored for it: uploads in progress, completed uploads, staging
   * and published files, torrents. The row lock makes it wait for a publish or an upload completion
   * running on the bundle, and refuse if that one made it leave DRAFT.
   */
  async remove(id: string): Promise<void> {
    const { bundle, items } = await this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', id);
      const bundle = await this.assertDraft(id, tx);
      const items = await tx.item.findMany({
        where: { bundleId: id },
        select: { id: true, bundleId: true, path: true, locked: true, uploads: { select: { id: true } } },
      });
      await tx.bundle.delete({ where: { id } });
      return { bundle, items };
    });
    const deleted = items.map((i) => ({ ...i, uploadIds: i.uploads.map((u) => u.id) }));
    await this.storedFiles.removeBundle(id, deleted);
    this.logger.log({
      event: 'bundle.deleted',
      bundleId: id,
      slug: bundle.slug,
      items: items.length,
      uploads: deleted.reduce((n, i) => n + i.uploadIds.length, 0),
    });
  }

  /** 409 unless the bundle is still a draft (the only state in which creators change it). */
  async assertDraft(id: string, tx: Prisma.TransactionClient = this.prisma) {
    const bundle = await tx.bundle.findUniqueOrThrow({ where: { id } });
    if (bundle.status !== 'DRAFT') {
      throw new ConflictException(`bundle ${bundle.slug} is ${bundle.status}; only DRAFT bundles can be changed`);
    }
    return bundle;
  }
}
