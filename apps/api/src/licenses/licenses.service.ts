import { Injectable, NotFoundException } from '@nestjs/common';
import { PrismaService } from '@keyseed/database';
import { LicenseView } from './dtos/license.responses';

const INCLUDE = {
  bundle: { select: { id: true, slug: true, title: true } },
  _count: { select: { devices: { where: { removedAt: null } } } },
} as const;

@Injectable()
export class LicensesService {
  constructor(private readonly prisma: PrismaService) {}

  async licensesOf(buyerId: string): Promise<LicenseView[]> {
    const licenses = await this.prisma.license.findMany({
      where: { buyerId },
      orderBy: { createdAt: 'desc' },
      include: INCLUDE,
    });
    return licenses.map(licenseView);
  }

  async license(id: string): Promise<LicenseView> {
    const license = await this.prisma.license.findUnique({ where: { id }, include: INCLUDE });
    if (!license) throw new NotFoundException(`license ${id} not found`);
    return licenseView(license);
  }
}

type LicenseRow = {
  id: string;
  orderId: string;
  status: string;
  statusReason: string | null;
  source: string;
  createdAt: Date;
  updatedAt: Date;
  bundle: { id: string; slug: string; title: string };
  _count: { devices: number };
};

function licenseView(l: LicenseRow): LicenseView {
  return {
    id: l.id,
    orderId: l.orderId,
    bundle: l.bundle,
    status: l.status,
    statusReason: l.statusReason,
    source: l.source,
    devices: l._count.devices,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
  };
}
