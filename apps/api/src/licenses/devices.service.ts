import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { CryptoError, importDevicePublicKey } from '@keyseed/crypto';
import { Device, lockRow, PrismaService } from '@keyseed/database';
import { DeviceView } from './dtos/license.responses';

/** A license's devices (device keys: docs/key-scheme.md): at most MAX_DEVICES_PER_LICENSE active at once. */
@Injectable()
export class DevicesService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  /** Registers a device key; the same key again returns the existing device (`created: false`). */
  async register(
    userId: string,
    licenseId: string,
    publicKey: string,
    name = '',
  ): Promise<{ device: DeviceView; created: boolean }> {
    let canonical: string;
    try {
      canonical = importDevicePublicKey(publicKey, 'publicKey').encoded;
    } catch (err) {
      if (err instanceof CryptoError) throw new BadRequestException(err.message);
      throw err;
    }
    return this.prisma.$transaction(async (tx) => {
      // The license row lock serialises registrations, so the device limit holds under races.
      await lockRow(tx, 'License', licenseId);
      const license = await tx.license.findUnique({ where: { id: licenseId } });
      if (!license) throw new NotFoundException(`license ${licenseId} not found`);
      if (license.buyerId !== userId)
        throw new ForbiddenException("devices can only be registered by the license's buyer");
      if (license.status === 'REVOKED')
        throw new ForbiddenException(
          `license ${licenseId} is revoked (${license.statusReason ?? 'no reason given'}); it takes no devices`,
        );
      const existing = await tx.device.findUnique({
        where: { licenseId_publicKey: { licenseId, publicKey: canonical } },
      });
      if (existing && !existing.removedAt) return { device: deviceView(existing), created: false };
      const active = await tx.device.count({ where: { licenseId, removedAt: null } });
      const max = this.config.MAX_DEVICES_PER_LICENSE;
      if (active >= max) {
        throw new ConflictException(
          `license ${licenseId} already has ${active} devices, the maximum is ${max}: remove one (DELETE /v1/licenses/${licenseId}/devices/<deviceId>) first`,
        );
      }
      const device = existing
        ? await tx.device.update({ where: { id: existing.id }, data: { removedAt: null, name: name || existing.name } })
        : await tx.device.create({ data: { licenseId, publicKey: canonical, name } });
      return { device: deviceView(device), created: true };
    });
  }

  async list(licenseId: string): Promise<DeviceView[]> {
    const devices = await this.prisma.device.findMany({ where: { licenseId }, orderBy: { createdAt: 'asc' } });
    return devices.map(deviceView);
  }

  async remove(userId: string, isAdmin: boolean, licenseId: string, deviceId: string): Promise<void> {
    const device = await this.prisma.device.findFirst({
      where: { id: deviceId, licenseId },
      include: { license: { select: { buyerId: true } } },
    });
    if (!device) throw new NotFoundException(`device ${deviceId} is not registered to license ${licenseId}`);
    if (device.license.buyerId !== userId && !isAdmin)
      throw new ForbiddenException('this device belongs to another account');
    if (!device.removedAt)
      await this.prisma.device.update({ where: { id: deviceId }, data: { removedAt: new Date() } });
  }
}

function deviceView(d: Device): DeviceView {
  return {
    id: d.id,
    licenseId: d.licenseId,
    publicKey: d.publicKey,
    name: d.name,
    createdAt: d.createdAt,
    removedAt: d.removedAt,
  };
}
