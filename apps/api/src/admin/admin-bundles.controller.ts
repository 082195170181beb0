import {
  Body,
  ConflictException,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { BundleStatus, lockRow, PrismaService } from '@keyseed/database';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { bundleView } from '../bundles/bundle-view';
import { BundleView } from '../bundles/dtos/bundle.responses';
import { TakedownDto } from './dtos/takedown.dto';

/** Moderation: a taken-down bundle disappears from the catalog (404) for everyone but its creator and admins. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/bundles')
export class AdminBundlesController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  @Post(':id/takedown')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take a bundle down (audited, with the reason)' })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 409, description: 'Already taken down' })
  async takedown(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: TakedownDto,
  ): Promise<BundleView> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', id);
      const before = await tx.bundle.findUnique({ where: { id } });
      if (!before) throw new NotFoundException(`bundle ${id} not found`);
      if (before.status === 'TAKEN_DOWN') throw new ConflictException(`bundle ${before.slug} is already taken down`);
      const after = await tx.bundle.update({
        where: { id },
        data: { status: 'TAKEN_DOWN', takedownReason: dto.reason },
        include: { items: true },
      });
      await this.audit.record(
        {
          actorId: admin.id,
          action: 'bundle.takedown',
          targetType: 'bundle',
          targetId: id,
          details: { reason: dto.reason, previousStatus: before.status },
        },
        tx,
      );
      return bundleView(after);
    });
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Undo a takedown: the bundle returns to the status it had (a publish cut short goes back to DRAFT)',
  })
  @ApiResponse({ status: 200, type: BundleView })
  @ApiResponse({ status: 409, description: 'Not taken down' })
  async restore(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<BundleView> {
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Bundle', id);
      const before = await tx.bundle.findUnique({ where: { id } });
      if (!before) throw new NotFoundException(`bundle ${id} not found`);
      if (before.status !== 'TAKEN_DOWN')
        throw new ConflictException(`bundle ${before.slug} is ${before.status}, not taken down`);
      const last = await tx.auditLog.findFirst({
        where: { targetType: 'bundle', targetId: id, action: 'bundle.takedown' },
        orderBy: { createdAt: 'desc' },
      });
      const previous = (last?.details as { previousStatus?: BundleStatus } | null)?.previousStatus;
      const status: BundleStatus =
        previous && previous !== 'PUBLISHING' && previous !== 'TAKEN_DOWN'
          ? previous
          : before.infoHashV1
            ? 'PUBLISHED'
            : 'DRAFT';
      const after = await tx.bundle.update({
        where: { id },
        data: { status, takedownReason: null },
        include: { items: true },
      });
      await this.audit.record(
        {
          actorId: admin.id,
          action: 'bundle.restore',
          targetType: 'bundle',
          targetId: id,
          details: { status, reason: before.takedownReason },
        },
        tx,
      );
      return bundleView(after);
    });
  }
}
